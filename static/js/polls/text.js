// Text: a short free answer; results are a word cloud or a list (the facilitator switches), and the
// facilitator can hide single answers from the room.
import { h, setText } from '../dom.js';
import { AnswerList, WordCloud } from '../charts.js';
import { register } from './registry.js';
import { controlGate, hasAnswer, submitButton } from './controls.js';
import { t, nt, formatNumber } from '../i18n.js';

/** @import { Poll } from '../types.js' */
/** @import { AnswerContext, AnswerControl } from './registry.js' */

const VIEWS = /** @type {const} */ (['cloud', 'list']);

/**
 * A text field with a character counter and Submit; a long limit gets a textarea (Enter sends).
 * @param {Poll} poll
 * @param {AnswerContext} context
 * @returns {AnswerControl}
 */
function textField(poll, context) {
  const max = poll.max_length || 80;
  const long = max > 100;
  const attrs = {
    id: 'text-answer',
    class: 'text-input',
    name: 'answer',
    dir: 'auto',
    autocomplete: 'off',
    enterkeyhint: 'send',
    'data-testid': 'text-input',
    'aria-describedby': 'text-counter',
  };
  const field = long ? h('textarea', { ...attrs, rows: 3 }) : h('input', { ...attrs, type: 'text' });
  const initial = context.current();
  field.value = typeof initial === 'string' ? initial : '';
  const counter = h('p', { id: 'text-counter', class: 'text-counter', 'data-testid': 'text-counter' });
  // Code points, as the server counts them (not UTF-16 units: an emoji is one or two of those).
  const length = () => [...field.value].length;
  const updateCounter = () => {
    const used = length();
    setText(counter, nt('{n} / {max} character', '{n} / {max} characters', max, { n: formatNumber(used), max: formatNumber(max) }));
    counter.classList.toggle('is-near', used >= max * 0.9);
  };
  field.addEventListener('input', () => {
    if (length() > max) field.value = [...field.value].slice(0, max).join('');
    updateCounter();
  });
  updateCounter();
  const button = submitButton();
  /** @param {Event} event */
  const onSubmit = (event) => {
    event.preventDefault();
    if (!gate.open) return;
    const value = field.value.trim();
    if (!value) {
      context.refuse(t('Write a few words first.'));
      field.focus();
      return;
    }
    context.submit([...value].slice(0, max).join(''));
  };
  if (field instanceof HTMLTextAreaElement) {
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) onSubmit(event);
    });
  }
  const gate = controlGate(({ open, online }) => {
    field.disabled = !open;
    button.disabled = !open || !online;
  });
  return {
    nodes: [
      h('label', { for: 'text-answer', class: 'field-label' }, t('Your answer')),
      field,
      counter,
      h('div', { class: 'form-actions' }, button),
    ],
    onSubmit,
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      // Never overwrite what someone is typing; only fill in a stored answer on a closed poll.
      if (!gate.open && typeof value === 'string') field.value = value;
      if (!gate.open && !hasAnswer(value)) field.value = '';
      updateCounter();
    },
  };
}

export default register({
  name: 'text',
  label: t('Text'),
  hint: t('Type a short answer, then press Submit.'),
  control: textField,
  // First strong isolate ... pop: an Arabic answer keeps its own direction inside the sentence around it; the
  // quotation marks are the language's own.
  describe: (_poll, value) => t('“{text}”', { text: `\u2068${value}\u2069` }),
  chart(poll, variant) {
    if (variant === 'phone') return new AnswerList({ limit: 10 });
    return (poll.view || VIEWS[0]) === 'list' ? new AnswerList({ limit: 40 }) : new WordCloud();
  },
  views: VIEWS,
  moderated: true,
});
