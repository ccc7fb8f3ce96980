// Single choice: one tap on an option answers; results are bars per option.
import { h } from '../dom.js';
import { BarChart } from '../charts.js';
import { register } from './registry.js';
import { tapControls } from './controls.js';
import { t } from '../i18n.js';

/** @import { Poll } from '../types.js' */
/** @import { AnswerContext } from './registry.js' */

/** Big buttons, one tap answers (aria-pressed shows the chosen one). */
function choiceButtons(/** @type {Poll} */ poll, /** @type {AnswerContext} */ context) {
  const buttons = (poll.options || []).map((option, index) =>
    h(
      'button',
      {
        type: 'button',
        class: 'choice',
        'data-testid': 'option',
        'aria-pressed': 'false',
        dataset: { index },
        onclick: () => context.submit(index),
      },
      h('span', { class: 'choice-mark', 'aria-hidden': 'true' }),
      h('span', { class: 'choice-text' }, option),
    ),
  );
  const group = h('div', { class: 'choices', role: 'group', 'aria-labelledby': 'poll-question' }, buttons);
  return tapControls(context, [group], buttons, (b) => Number(b.dataset.index));
}

export default register({
  name: 'single',
  label: t('Single choice'),
  hint: t('Tap one answer.'),
  control: choiceButtons,
  describe: (poll, value) => (typeof value === 'number' ? poll.options?.[value] ?? String(value) : String(value)),
  chart: (poll) => new BarChart(poll),
});
