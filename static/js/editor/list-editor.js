// An editable list of short texts (a poll's options, the deck's resources): type, add, remove and reorder,
// every action a button with its own name, so the list works from the keyboard and with a screen reader.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { group, newId } from './fields.js';
import { move } from './model.js';

/**
 * @typedef {object} ListSpec
 * @property {string} path  where the validator reports this list's problems
 * @property {string} legend
 * @property {unknown[]} items  changed in place
 * @property {(number: number) => string} itemLabel  "Option 3"
 * @property {string} addLabel
 * @property {() => void} onChange
 * @property {string} [hint]
 * @property {string} [testid]
 * @property {number} [maxlength]
 * @property {string} [dir]
 */

/** @param {ListSpec} spec @returns {HTMLElement} */
export function listEditor(spec) {
  const list = h('ol', { class: 'list-editor', 'data-testid': spec.testid ? `${spec.testid}-list` : undefined });
  const add = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': spec.testid ? `${spec.testid}-add` : undefined }, spec.addLabel);
  const fieldset = group({ path: spec.path, legend: spec.legend, hint: spec.hint, testid: spec.testid, className: 'field-list' }, list, add);

  /** Rebuild the rows; then focus a row's input or button (by its data-role) if asked. */
  const draw = (/** @type {number} */ focusIndex = -1, /** @type {string} */ role = 'text') => {
    list.replaceChildren(...spec.items.map((item, index) => row(item, index)));
    const target = focusIndex >= 0 ? list.children[focusIndex] : null;
    const control = target ? target.querySelector(`[data-role="${role}"]:not(:disabled)`) || target.querySelector('input') : null;
    if (control instanceof HTMLElement) control.focus();
  };

  const row = (/** @type {unknown} */ item, /** @type {number} */ index) => {
    const number = index + 1;
    const input = h('input', { type: 'text', id: newId('item'), autocomplete: 'off', 'data-role': 'text', 'data-testid': spec.testid ? `${spec.testid}-item` : undefined, maxlength: spec.maxlength, dir: spec.dir });
    input.value = item === undefined || item === null ? '' : String(item);
    input.addEventListener('input', () => {
      spec.items[index] = input.value;
      spec.onChange();
    });
    const button = (/** @type {string} */ role, /** @type {string} */ symbol, /** @type {string} */ name, /** @type {boolean} */ disabled, /** @type {() => void} */ act) =>
      h('button', { type: 'button', class: 'btn btn-small btn-icon', 'data-role': role, 'aria-label': name, title: name, disabled, onclick: act }, h('span', { 'aria-hidden': 'true' }, symbol));
    return h(
      'li',
      { class: 'list-row' },
      h('label', { for: input.id, class: 'list-number' }, h('span', { 'aria-hidden': 'true' }, String(number)), h('span', { class: 'visually-hidden' }, spec.itemLabel(number))),
      input,
      button('up', '↑', t('Move {item} up', { item: spec.itemLabel(number) }), index === 0, () => {
        move(spec.items, index, index - 1);
        spec.onChange();
        draw(index - 1, 'up');
      }),
      button('down', '↓', t('Move {item} down', { item: spec.itemLabel(number) }), index === spec.items.length - 1, () => {
        move(spec.items, index, index + 1);
        spec.onChange();
        draw(index + 1, 'down');
      }),
      button('remove', '✕', t('Remove {item}', { item: spec.itemLabel(number) }), false, () => {
        spec.items.splice(index, 1);
        spec.onChange();
        if (spec.items.length) draw(Math.min(index, spec.items.length - 1));
        else {
          draw();
          add.focus();
        }
      }),
    );
  };

  add.addEventListener('click', () => {
    spec.items.push('');
    spec.onChange();
    draw(spec.items.length - 1);
  });
  draw();
  return fieldset;
}
