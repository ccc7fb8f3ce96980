// The library's modal dialogs (<dialog> with a form): focus moves into them and back to what opened them,
// Escape and "Cancel" close them, and a submit runs an action that either closes the dialog or shows why not.
import { h, setText } from '../dom.js';

/**
 * What a dialog does this time it is open.
 * @typedef {object} DialogRun
 * @property {() => Promise<string | string[]>} submit  the action: '' (or []) closes; text stays open with it shown
 * @property {HTMLElement | null} opener  where focus returns
 * @property {() => HTMLElement | null} fallback  where focus goes if the opener is gone (a deleted deck's button)
 * @property {() => HTMLElement | null} [after]  where focus goes after the action succeeded (a new deck's title)
 */

/** @type {WeakMap<HTMLDialogElement, DialogRun>} */
const runs = new WeakMap();

/**
 * The dialog's form.
 * @param {HTMLDialogElement} dialog
 */
function formOf(dialog) {
  const form = dialog.querySelector('form');
  if (!form) throw new Error(`dialog #${dialog.id} has no form`);
  return form;
}

/**
 * Show an error in the dialog (a sentence, or a sentence and a list), or clear it with ''.
 * @param {HTMLDialogElement} dialog
 * @param {string | string[]} message
 */
export function showDialogError(dialog, message) {
  const box = dialog.querySelector('.library-form-error');
  if (!(box instanceof HTMLElement)) return;
  const lines = Array.isArray(message) ? message : [message].filter(Boolean);
  box.replaceChildren();
  if (lines.length > 1) {
    box.append(h('span', {}, lines[0]), h('ul', {}, lines.slice(1).map((line) => h('li', {}, line))));
  } else {
    setText(box, lines[0] || '');
  }
  box.hidden = lines.length === 0;
}

/**
 * Wire a dialog once: its form's submit runs the current action; [data-close] buttons and Escape close it.
 * @param {HTMLDialogElement} dialog
 */
export function setUpDialog(dialog) {
  const form = formOf(dialog);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const run = runs.get(dialog);
    if (!run || form.getAttribute('aria-busy') === 'true') return;
    const submit = form.querySelector('[type="submit"]');
    form.setAttribute('aria-busy', 'true');
    if (submit instanceof HTMLButtonElement) {
      submit.disabled = true;
      submit.classList.add('is-loading');
    }
    showDialogError(dialog, '');
    let problem;
    try {
      problem = await run.submit();
    } finally {
      form.removeAttribute('aria-busy');
      if (submit instanceof HTMLButtonElement) {
        submit.disabled = false;
        submit.classList.remove('is-loading');
      }
    }
    if (problem && problem.length) {
      showDialogError(dialog, problem);
      const field = form.querySelector('input:not([type="hidden"])');
      if (field instanceof HTMLInputElement && !Array.isArray(problem)) field.focus();
      return;
    }
    if (dialog.open) dialog.close('done');
  });
  for (const button of dialog.querySelectorAll('[data-close]')) {
    button.addEventListener('click', () => dialog.close('cancel'));
  }
  dialog.addEventListener('close', () => {
    const run = runs.get(dialog);
    runs.delete(dialog);
    if (!run) return;
    const done = dialog.returnValue === 'done' && run.after ? run.after() : null;
    const target = done || (run.opener && run.opener.isConnected ? run.opener : run.fallback());
    if (target) target.focus();
  });
}

/**
 * Open a dialog for one action.
 * @param {HTMLDialogElement} dialog
 * @param {DialogRun & {focus?: HTMLElement | null}} run
 */
export function openDialog(dialog, run) {
  runs.set(dialog, run);
  showDialogError(dialog, '');
  dialog.returnValue = ''; // close() without a value keeps the last one: Escape after a success is no success
  dialog.showModal();
  const first = run.focus || formOf(dialog).querySelector('input:not([type="hidden"]), select, button');
  if (first instanceof HTMLElement) first.focus();
  if (first instanceof HTMLInputElement) first.select();
}
