// The full-screen message that replaces a page when its session is over or cannot be joined, and the
// kind that can be taken down again (a phone waiting to be let in).
import { $, $$, h } from './dom.js';

/**
 * What such a screen says; `testid` is what the browser tests look for.
 * @typedef {object} MessageScreen
 * @property {string} title
 * @property {string} [message]
 * @property {string} [detail]  a second, smaller paragraph (e.g. whom to ask)
 * @property {string} [testid]
 * @property {{href: string, text: string} | null} [link]
 * @property {'info' | 'warn'} [tone]
 * @property {HTMLElement | null} [extra]  shown under the text (the phones' end screen: the deck's resources)
 */

/**
 * A full-screen message on the page, and how to take it down.
 * @typedef {object} ShownMessage
 * @property {HTMLElement} section
 * @property {() => void} dismiss  put the page back as it was before the message
 */

/**
 * Replace the page's main content with a full-screen message (ended, unknown code, bad link).
 * Keeps exactly one <h1> on the page.
 */
export function fullScreenMessage(/** @type {MessageScreen} */ screen) {
  return showMessage(screen).section;
}

/**
 * Like fullScreenMessage(), but the page's own content is kept aside (its nodes, listeners and all)
 * and comes back on dismiss().
 * @param {MessageScreen} screen
 * @returns {ShownMessage}
 */
export function dismissibleMessage(screen) {
  return showMessage(screen);
}

/** @returns {ShownMessage} */
function showMessage(/** @type {MessageScreen} */ { title, message, detail, testid = 'fatal', link = null, tone = 'info', extra = null }) {
  const main = $('main') || document.body;
  const kept = Array.from(main.childNodes);
  const place = { parent: main.parentElement, next: main.nextSibling };
  const hidden = $$('.hide-on-message', HTMLElement).map((el) => ({ el, was: el.hidden }));
  const section = h(
    'section',
    { class: `full-message tone-${tone}`, 'data-testid': testid, role: 'status' },
    h('h1', { class: 'full-message-title', tabindex: '-1' }, title),
    message ? h('p', { class: 'full-message-text' }, message) : null,
    detail ? h('p', { class: 'full-message-detail' }, detail) : null,
    extra,
    link ? h('p', {}, h('a', { class: 'btn btn-secondary', href: link.href }, link.text)) : null,
  );
  main.replaceChildren(section);
  // The console's <main> sits inside its two-column layout, which is hidden below.
  if (main.parentElement && main.parentElement.closest('.hide-on-message')) document.body.append(main);
  main.classList.add('main-message');
  document.body.classList.add('has-full-message');
  for (const { el } of hidden) el.hidden = true;
  section.querySelector('h1')?.focus({ preventScroll: true });

  let shown = true;
  function dismiss() {
    if (!shown || !section.isConnected) return; // already down, or replaced by another message
    shown = false;
    main.replaceChildren(...kept);
    if (place.parent && main.parentElement !== place.parent) place.parent.insertBefore(main, place.next);
    main.classList.remove('main-message');
    document.body.classList.remove('has-full-message');
    for (const { el, was } of hidden) el.hidden = was;
  }
  return { section, dismiss };
}
