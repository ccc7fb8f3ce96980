// Building blocks the poll types' phone controls share: the open-and-online gate, one-tap buttons,
// the Submit button, and what counts as "has answered".
import { h } from '../dom.js';
import { t } from '../i18n.js';

/** @import { AnswerValue } from '../types.js' */
/** @import { AnswerControl, AnswerContext } from './registry.js' */

/** True for a real answer (not missing, not an empty choice or text). */
export function hasAnswer(/** @type {AnswerValue | null | undefined} */ value) {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0) && value !== '';
}

/**
 * Whether a poll's controls may be used: the poll is open and the server is reachable.
 * `apply(gate)` re-enables or disables the controls whenever either changes.
 * @typedef {{open: boolean, online: boolean, setOpen(open: boolean): void, setConnected(online: boolean): void}} Gate
 * @param {(gate: Gate) => void} apply
 * @returns {Gate}
 */
export function controlGate(apply) {
  /** @type {Gate} */
  const gate = {
    open: true,
    online: true,
    setOpen(v) {
      gate.open = v;
      apply(gate);
    },
    setConnected(v) {
      gate.online = v;
      apply(gate);
    },
  };
  return gate;
}

/**
 * Controls where one tap answers: disabled unless open and online; aria-pressed marks the chosen value.
 * @param {AnswerContext} context
 * @param {Node[]} nodes
 * @param {HTMLButtonElement[]} buttons
 * @param {(button: HTMLButtonElement) => number} valueOf
 * @returns {AnswerControl}
 */
export function tapControls(context, nodes, buttons, valueOf) {
  const gate = controlGate(({ open, online }) => buttons.forEach((b) => (b.disabled = !open || !online)));
  /** @type {AnswerControl} */
  const control = {
    nodes,
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      const saved = context.saved();
      buttons.forEach((b) => {
        const v = valueOf(b);
        b.setAttribute('aria-pressed', value === v ? 'true' : 'false');
        b.classList.toggle('is-saved', saved === v && value === v);
      });
    },
  };
  control.showValue(context.current());
  return control;
}

/** The big Submit button of controls that are filled in first (choices, text). */
export function submitButton() {
  return h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-large', 'data-testid': 'submit' }, t('Submit'));
}
