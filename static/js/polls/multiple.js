// Multiple choice: tick any options, then Submit; results are bars per option.
import { h } from '../dom.js';
import { BarChart } from '../charts.js';
import { register } from './registry.js';
import { controlGate, hasAnswer, submitButton } from './controls.js';
import { t, formatList } from '../i18n.js';

/** @import { Poll, AnswerValue } from '../types.js' */
/** @import { AnswerContext, AnswerControl } from './registry.js' */

/** Option indexes in an answer (an empty list for none). */
const indexes = (/** @type {AnswerValue | undefined} */ value) =>
  Array.isArray(value) ? value : typeof value === 'number' ? [value] : [];

/**
 * Checkboxes and a Submit button; an empty choice is refused on the phone.
 * @param {Poll} poll
 * @param {AnswerContext} context
 * @returns {AnswerControl}
 */
function checkboxes(poll, context) {
  /** @type {HTMLInputElement[]} */
  const boxes = [];
  const ticked = () => boxes.filter((b) => b.checked).map((b) => Number(b.value));
  const labels = (poll.options || []).map((option, index) => {
    const input = h('input', { type: 'checkbox', class: 'choice-input', name: 'options', value: index, id: `opt-${index}` });
    input.addEventListener('change', () => {
      context.draft(ticked());
      context.clearRefusal();
    });
    boxes.push(input);
    return h(
      'label',
      { class: 'choice choice-check', for: `opt-${index}`, 'data-testid': 'option' },
      input,
      h('span', { class: 'choice-text' }, option),
    );
  });
  const fieldset = h(
    'fieldset',
    { class: 'choices' },
    h('legend', { class: 'visually-hidden' }, t('{question} Choose all that apply.', { question: poll.question })),
    labels,
  );
  const button = submitButton();
  const gate = controlGate(({ open, online }) => {
    boxes.forEach((b) => (b.disabled = !open));
    button.disabled = !open || !online;
    labels.forEach((l) => l.classList.toggle('is-disabled', !open));
  });
  /** @type {AnswerControl} */
  const control = {
    nodes: [fieldset, h('div', { class: 'form-actions' }, button)],
    onSubmit(event) {
      event.preventDefault();
      if (!gate.open) return;
      const value = ticked();
      if (!value.length) {
        context.refuse(t('Choose at least one option first.'));
        return;
      }
      context.submit(value);
    },
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      const chosen = new Set(indexes(value));
      const saved = new Set(indexes(context.saved()));
      boxes.forEach((b, i) => {
        b.checked = chosen.has(i);
        labels[i].classList.toggle('is-saved', chosen.has(i) && saved.has(i));
      });
    },
  };
  control.showValue(context.current());
  return control;
}

export default register({
  name: 'multiple',
  label: t('Multiple choice'),
  hint: t('Choose all that apply, then press Submit.'),
  control: checkboxes,
  describe: (poll, value) => (hasAnswer(value) ? formatList(indexes(value).map((i) => poll.options?.[i] ?? String(i))) : ''),
  chart: (poll) => new BarChart(poll),
});
