// The full-screen message that replaces a page when its session is over or cannot be joined.
import { $, $$, h } from './dom.js';

/**
 * What such a screen says; `testid` is what the browser tests look for.
 * @typedef {object} MessageScreen
 * @property {string} title
 * @property {string} [message]
 * @property {string} [testid]
 * @property {{href: string, text: string} | null} [link]
 * @property {'info' | 'warn'} [tone]
 */

/**
 * Replace the page's main content with a full-screen message (ended, unknown code, bad link).
 * Keeps exactly one <h1> on the page.
 */
export function fullScreenMessage(/** @type {MessageScreen} */ { title, message, testid = 'fatal', link = null, tone = 'info' }) {
  const main = $('main') || document.body;
  const section = h(
    'section',
    { class: `full-message tone-${tone}`, 'data-testid': testid, role: 'status' },
    h('h1', { class: 'full-message-title', tabindex: '-1' }, title),
    message ? h('p', { class: 'full-message-text' }, message) : null,
    link ? h('p', {}, h('a', { class: 'btn btn-secondary', href: link.href }, link.text)) : null,
  );
  main.replaceChildren(section);
  // The console's <main> sits inside its two-column layout, which is hidden below.
  if (main.parentElement && main.parentElement.closest('.hide-on-message')) document.body.append(main);
  main.classList.add('main-message');
  document.body.classList.add('has-full-message');
  for (const el of $$('.hide-on-message', HTMLElement)) el.hidden = true;
  section.querySelector('h1')?.focus({ preventScroll: true });
  return section;
}
