// What the three Q&A views share: following the questions on the socket, a question's text element, and
// moving list items to their new places smoothly (FLIP) so a list reordered by votes does not jump.
import { h } from '../dom.js';
import { nt, formatNumber } from '../i18n.js';

/** @import { LiveSocket, QuestionsState, SessionState } from '../types.js' */

/**
 * Call `update` with the Q&A whenever it arrives: in `session_state` (with the phone's own votes) and in
 * every `questions_updated`.
 * @param {LiveSocket} socket
 * @param {(qa: QuestionsState, myVotes: string[] | null) => void} update  myVotes: only from session_state
 */
export function followQuestions(socket, update) {
  socket.on('session_state', (/** @type {SessionState} */ s) => {
    if (s && s.qa) update(s.qa, Array.isArray(s.my_votes) ? s.my_votes : null);
  });
  socket.on('questions_updated', (qa) => {
    if (qa && Array.isArray(qa.questions)) update(qa, null);
  });
}

/** A question's text: people's words, so textContent only, and dir="auto" for right-to-left writing. */
export function questionText(/** @type {string} */ text, className = 'qa-text') {
  return h('span', { class: className, dir: 'auto', 'data-testid': 'qa-text' }, text);
}

/** The votes as words, e.g. "1 vote", "3 votes". */
export function votesText(/** @type {number} */ votes) {
  return nt('{n} vote', '{n} votes', votes, { n: formatNumber(votes) });
}

/**
 * Render a keyed list afresh, then let each item that moved glide from where it was (FLIP: first, last,
 * invert, play, with CSS transforms). Items are keyed by `data-id`; people who asked for less motion get
 * none. Returns nothing; `render` builds the container's new children (reusing nodes is up to it).
 * @param {HTMLElement} list
 * @param {() => void} render
 */
export function reorderSmoothly(list, render) {
  /** @type {Map<string, number>} */
  const before = new Map();
  for (const item of Array.from(list.children)) {
    if (item instanceof HTMLElement && item.dataset.id) before.set(item.dataset.id, item.getBoundingClientRect().top);
  }
  render();
  if (window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches) return;
  for (const item of Array.from(list.children)) {
    if (!(item instanceof HTMLElement) || !item.dataset.id) continue;
    const was = before.get(item.dataset.id);
    if (was === undefined) continue;
    const delta = was - item.getBoundingClientRect().top;
    if (Math.abs(delta) < 1) continue;
    item.style.transition = 'none';
    item.style.transform = `translateY(${delta}px)`;
    requestAnimationFrame(() => {
      item.style.transition = 'transform 0.45s ease';
      item.style.transform = '';
    });
  }
}

/**
 * Keep one element per question id in `list`, in the given order, reusing the ones already there (so focus
 * and animations survive an update); `build` makes a new item, `fill` brings an item up to date.
 * @template T
 * @param {HTMLElement} list
 * @param {T[]} items
 * @param {(item: T) => string} idOf
 * @param {(item: T) => HTMLElement} build
 * @param {(el: HTMLElement, item: T) => void} fill
 */
export function syncList(list, items, idOf, build, fill) {
  /** @type {Map<string, HTMLElement>} */
  const existing = new Map();
  for (const child of Array.from(list.children)) {
    if (child instanceof HTMLElement && child.dataset.id) existing.set(child.dataset.id, child);
  }
  const wanted = items.map((item) => {
    const id = idOf(item);
    const el = existing.get(id) || build(item);
    el.dataset.id = id;
    existing.delete(id);
    fill(el, item);
    return el;
  });
  for (const gone of existing.values()) gone.remove();
  const focused = document.activeElement;
  wanted.forEach((el, index) => {
    if (list.children[index] !== el) list.insertBefore(el, list.children[index] || null);
  });
  // Moving a node blurs it: a person voting with the keyboard keeps their place.
  if (focused instanceof HTMLElement && focused !== document.activeElement && list.contains(focused)) {
    focused.focus({ preventScroll: true });
  }
}
