// The deck's slides in order: select one to edit it; reorder by drag and drop or from the keyboard
// (Alt+ArrowUp / Alt+ArrowDown on a slide; ArrowUp / ArrowDown move between slides).
import { h, setText } from '../dom.js';
import { nt, t } from '../i18n.js';

/** @import { DeckData, PollType } from './model.js' */

/**
 * @typedef {object} SlideListHandlers
 * @property {(index: number) => void} select
 * @property {(from: number, to: number) => void} move
 */

/** What kind of slide this is, in a few words ("Poll · one choice"). */
export function slideKind(/** @type {DeckData} */ slide, /** @type {PollType[]} */ types) {
  if (slide.kind === 'join') return t('Join slide');
  if (slide.poll && typeof slide.poll === 'object') {
    const type = types.find((item) => item.type === slide.poll.type);
    return t('Poll · {type}', { type: type ? type.label : String(slide.poll.type || '?') });
  }
  return t('Content');
}

export class SlideList {
  /**
   * @param {HTMLOListElement} root
   * @param {string} hintId  the element that explains the keys
   * @param {SlideListHandlers} handlers
   */
  constructor(root, hintId, handlers) {
    this.root = root;
    this.hintId = hintId;
    this.handlers = handlers;
    /** @type {number | null} */
    this.dragging = null;
    root.addEventListener('dragover', (event) => this.dragOver(event));
    root.addEventListener('drop', (event) => this.drop(event));
    root.addEventListener('dragleave', (event) => {
      if (!(event.relatedTarget instanceof Node) || !root.contains(event.relatedTarget)) this.clearMarks();
    });
  }

  /**
   * Draw the list.
   * @param {DeckData[]} slides
   * @param {number} selected  -1: the deck's settings
   * @param {Map<number, number>} problems  slide index -> number of problems
   * @param {PollType[]} types
   */
  render(slides, selected, problems, types) {
    this.root.replaceChildren(...slides.map((slide, index) => this.entry(slide, index, index === selected, problems.get(index) || 0, types)));
  }

  /** @param {DeckData} slide @param {number} index @param {boolean} current @param {number} count @param {PollType[]} types */
  entry(slide, index, current, count, types) {
    const title = typeof slide.title === 'string' && slide.title.trim() ? slide.title : t('(no title)');
    const button = h(
      'button',
      {
        type: 'button',
        class: 'slide-select',
        'data-testid': 'slide-select',
        'aria-current': current ? 'true' : false,
        'aria-describedby': this.hintId,
        'aria-keyshortcuts': 'Alt+ArrowUp Alt+ArrowDown',
        onclick: () => this.handlers.select(index),
      },
      h('span', { class: 'slide-number' }, String(index + 1)),
      h('span', { class: 'slide-text' }, h('span', { class: 'slide-name', 'data-testid': 'slide-name' }, title), h('span', { class: 'slide-kind' }, slideKind(slide, types))),
      count ? h('span', { class: 'slide-problems', 'data-testid': 'slide-problems' }, nt('{n} problem', '{n} problems', count, { n: count })) : null,
    );
    button.addEventListener('keydown', (event) => this.key(event, index));
    const item = h('li', { class: 'slide-entry', draggable: 'true', 'data-testid': 'slide-entry', dataset: { index } }, h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: t('Drag to move') }, '⋮⋮'), button);
    item.addEventListener('dragstart', (event) => {
      this.dragging = index;
      item.classList.add('is-dragging');
      if (event.dataTransfer) {
        event.dataTransfer.effectAllowed = 'move';
        event.dataTransfer.setData('text/plain', String(index));
      }
    });
    item.addEventListener('dragend', () => {
      this.dragging = null;
      item.classList.remove('is-dragging');
      this.clearMarks();
    });
    return item;
  }

  /** Alt+Arrow moves the slide; Arrow alone moves the focus. */
  key(/** @type {KeyboardEvent} */ event, /** @type {number} */ index) {
    const step = event.key === 'ArrowUp' ? -1 : event.key === 'ArrowDown' ? 1 : 0;
    if (!step || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const to = index + step;
    if (to < 0 || to >= this.root.children.length) return;
    if (event.altKey) this.handlers.move(index, to);
    else this.focus(to);
  }

  /** Focus a slide's button. */
  focus(/** @type {number} */ index) {
    const button = this.root.children[index] ? this.root.children[index].querySelector('button') : null;
    if (button) button.focus();
  }

  /** Where a drop over this event would put the dragged slide: before which entry (0..n). */
  dropPosition(/** @type {DragEvent} */ event) {
    const entries = Array.from(this.root.children);
    for (const [index, entry] of entries.entries()) {
      const box = entry.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) return index;
    }
    return entries.length;
  }

  dragOver(/** @type {DragEvent} */ event) {
    if (this.dragging === null) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
    const position = this.dropPosition(event);
    this.clearMarks();
    const entries = Array.from(this.root.children);
    if (position < entries.length) entries[position].classList.add('drop-before');
    else if (entries.length) entries[entries.length - 1].classList.add('drop-after');
  }

  drop(/** @type {DragEvent} */ event) {
    if (this.dragging === null) return;
    event.preventDefault();
    const from = this.dragging;
    const position = this.dropPosition(event);
    const to = position > from ? position - 1 : position;
    this.dragging = null;
    this.clearMarks();
    if (to !== from) this.handlers.move(from, to);
  }

  clearMarks() {
    for (const entry of Array.from(this.root.children)) entry.classList.remove('drop-before', 'drop-after');
  }

  /** Update one slide's name in place (typing its title), without redrawing the list. */
  rename(/** @type {number} */ index, /** @type {string} */ title) {
    const name = this.root.children[index] ? this.root.children[index].querySelector('.slide-name') : null;
    if (name) setText(name, title.trim() ? title : t('(no title)'));
  }
}
