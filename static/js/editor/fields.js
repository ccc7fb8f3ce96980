// Form fields of the deck editor: each one labelled, with an optional hint and a slot for the problems the
// server's validator reports for its path (`data-path`, as the 422's `path` names it; see problems.js).
import { h } from '../dom.js';

let made = 0;
/** A new element id, unique on the page. */
export const newId = (/** @type {string} */ prefix) => `${prefix}-${(made += 1)}`;

/**
 * The problem slot of a field: filled and shown by problems.js.
 * @param {string} id
 */
function problemSlot(id) {
  return h('div', { class: 'field-problem', id, 'data-testid': 'field-problem', hidden: true });
}

/** Point a control at its hint and problem slot. */
function describe(/** @type {HTMLElement} */ control, /** @type {(string | null)[]} */ ids) {
  const value = ids.filter(Boolean).join(' ');
  if (value) control.setAttribute('aria-describedby', value);
}

/**
 * A labelled control: label, control, hint, problem slot.
 * @param {{path: string, label: string, control: HTMLElement, hint?: string, testid?: string, className?: string}} spec
 * @returns {HTMLElement}
 */
export function field({ path, label, control, hint, testid, className }) {
  if (!control.id) control.id = newId('field');
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${control.id}-hint` }, hint) : null;
  const problem = problemSlot(`${control.id}-problem`);
  describe(control, [hintEl && hintEl.id, problem.id]);
  return h(
    'div',
    { class: `field${className ? ` ${className}` : ''}`, 'data-path': path, 'data-testid': testid },
    h('label', { for: control.id, class: 'field-label' }, label),
    control,
    hintEl,
    problem,
  );
}

/**
 * A checkbox with its label beside it.
 * @param {{path: string, label: string, checked: boolean, onChange: (checked: boolean) => void, hint?: string, testid?: string}} spec
 */
export function checkboxField({ path, label, checked, onChange, hint, testid }) {
  const box = h('input', { type: 'checkbox', id: newId('check'), 'data-testid': testid });
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${box.id}-hint` }, hint) : null;
  const problem = problemSlot(`${box.id}-problem`);
  describe(box, [hintEl && hintEl.id, problem.id]);
  return h('div', { class: 'field field-check', 'data-path': path }, h('div', { class: 'check-line' }, box, h('label', { for: box.id }, label)), hintEl, problem);
}

/**
 * A group of controls under one legend (options, scale, resources), with its own problem slot.
 * @param {{path: string, legend: string, hint?: string, testid?: string, className?: string}} spec
 * @param {...(Node | null)} children
 */
export function group({ path, legend, hint, testid, className }, ...children) {
  const id = newId('group');
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  const problem = problemSlot(`${id}-problem`);
  const fieldset = h('fieldset', { class: `field field-group${className ? ` ${className}` : ''}`, 'data-path': path, 'data-testid': testid }, h('legend', {}, legend), hintEl, ...children, problem);
  describe(fieldset, [hintEl && hintEl.id, problem.id]);
  return fieldset;
}

/**
 * A one-line text input calling `onInput` with its value on every keystroke.
 * @param {{value: unknown, onInput: (value: string) => void, testid?: string, maxlength?: number, placeholder?: string, inputmode?: string, dir?: string}} spec
 */
export function textInput({ value, onInput, testid, maxlength, placeholder, inputmode, dir }) {
  const input = h('input', { type: 'text', autocomplete: 'off', 'data-testid': testid, maxlength, placeholder, inputmode, dir });
  input.value = value === undefined || value === null ? '' : String(value);
  input.addEventListener('input', () => onInput(input.value));
  return input;
}

/**
 * A text area (Markdown, notes) calling `onInput` with its value on every keystroke.
 * @param {{value: unknown, onInput: (value: string) => void, rows?: number, testid?: string, dir?: string}} spec
 */
export function textArea({ value, onInput, rows = 4, testid, dir }) {
  const area = h('textarea', { rows, 'data-testid': testid, spellcheck: 'true', dir });
  area.value = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  area.addEventListener('input', () => onInput(area.value));
  return area;
}

/**
 * A select of fixed choices.
 * @param {{value: string, choices: {value: string, label: string}[], onChange: (value: string) => void, testid?: string}} spec
 */
export function select({ value, choices, onChange, testid }) {
  const control = h('select', { 'data-testid': testid }, choices.map((choice) => h('option', { value: choice.value }, choice.label)));
  if (!choices.some((choice) => choice.value === value)) {
    control.append(h('option', { value }, value)); // what the file holds, shown as it is (the validator says why)
  }
  control.value = value;
  control.addEventListener('change', () => onChange(control.value));
  return control;
}

/**
 * A number as typed: a whole number, or the text itself (the validator then says what is wrong with it).
 * @param {string} text
 * @returns {number | string}
 */
export function wholeOrText(text) {
  const trimmed = text.trim();
  return /^-?\d{1,9}$/.test(trimmed) ? Number(trimmed) : trimmed;
}
