// The validator's problems on the page: each next to the field its `path` names (the deepest field whose
// `data-path` holds it), the control marked invalid; what no field on screen holds is returned for the
// pane's own list.
import { h } from '../dom.js';
import { within } from './model.js';

/** @import { Problem } from '../deck-api.js' */

/** The control a field's label names (none for a group: aria-invalid is not a group's attribute). */
function controlOf(/** @type {HTMLElement} */ fieldEl) {
  if (fieldEl instanceof HTMLFieldSetElement) return null;
  const label = fieldEl.querySelector('label[for]');
  const id = label ? label.getAttribute('for') : null;
  return id ? fieldEl.querySelector(`#${CSS.escape(id)}`) : null;
}

/** The fields under `root` (elements with a `data-path`). @returns {HTMLElement[]} */
function fieldsIn(/** @type {HTMLElement} */ root) {
  return Array.from(root.querySelectorAll('[data-path]')).filter((el) => el instanceof HTMLElement);
}

/** The deepest of `fields` whose path holds `path`, or null. */
function deepest(/** @type {HTMLElement[]} */ fields, /** @type {string} */ path) {
  let best = /** @type {HTMLElement | null} */ (null);
  for (const el of fields) {
    const fieldPath = el.dataset.path || '';
    if (fieldPath && within(path, fieldPath) && (!best || fieldPath.length > (best.dataset.path || '').length)) best = el;
  }
  return best;
}

/**
 * Show `problems` next to the fields under `root`; the ones no field holds are returned.
 * @param {HTMLElement} root
 * @param {Problem[]} problems
 * @returns {Problem[]}
 */
export function placeProblems(root, problems) {
  const fields = fieldsIn(root);
  /** @type {Map<HTMLElement, string[]>} */
  const byField = new Map();
  /** @type {Problem[]} */
  const left = [];
  for (const problem of problems) {
    const best = deepest(fields, problem.path || '');
    if (best) byField.set(best, [...(byField.get(best) || []), problem.message]);
    else left.push(problem);
  }
  for (const el of fields) {
    const messages = byField.get(el) || [];
    const slot = Array.from(el.children).find((child) => child.classList.contains('field-problem'));
    if (slot instanceof HTMLElement) {
      slot.replaceChildren(...messages.map((message) => h('p', {}, message)));
      slot.hidden = messages.length === 0;
    }
    el.classList.toggle('has-problem', messages.length > 0);
    const control = controlOf(el);
    if (control) {
      if (messages.length) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
  }
  return left;
}

/**
 * The field element a problem belongs to under `root` (to focus it from the summary), or null.
 * @param {HTMLElement} root
 * @param {string} path
 * @returns {HTMLElement | null}
 */
export function fieldFor(root, path) {
  return deepest(fieldsIn(root), path);
}

/** The first thing to focus in a field: its control, else its first input. */
export function focusTarget(/** @type {HTMLElement} */ fieldEl) {
  const target = controlOf(fieldEl) || fieldEl.querySelector('input, select, textarea, button');
  return target instanceof HTMLElement ? target : null;
}
