// Scale: one tap on a step from min to max answers; results are a distribution with its mean.
import { h } from '../dom.js';
import { ScaleChart, scaleOf } from '../charts.js';
import { register } from './registry.js';
import { tapControls } from './controls.js';
import { t } from '../i18n.js';

/** @import { Poll } from '../types.js' */
/** @import { AnswerContext } from './registry.js' */

/** A row of numbered buttons with the end labels underneath. */
function stepButtons(/** @type {Poll} */ poll, /** @type {AnswerContext} */ context) {
  const scale = scaleOf(poll);
  const labels = scale.labels || {};
  const buttons = [];
  const labelCells = [];
  for (let v = scale.min; v <= scale.max; v += 1) {
    const label = labels[String(v)];
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'scale-btn',
          'data-testid': 'scale-option',
          'aria-pressed': 'false',
          dataset: { value: v },
          onclick: () => context.submit(v),
        },
        h('span', { class: 'scale-btn-num' }, String(v)),
        label ? h('span', { class: 'visually-hidden' }, ', ', label) : null,
      ),
    );
    const pos = v === scale.min ? 'start' : v === scale.max ? 'end' : 'middle';
    labelCells.push(h('span', { class: `scale-btn-label label-${pos}` }, label || ''));
  }
  const n = scale.max - scale.min + 1;
  const row = h('div', { class: 'scale-row', role: 'group', 'aria-labelledby': 'poll-question' }, buttons);
  const labelRow = h('div', { class: 'scale-labels', 'aria-hidden': 'true' }, labelCells);
  for (const el of [row, labelRow]) el.style.setProperty('--n', String(n));
  return tapControls(context, [h('div', { class: 'scale-input' }, row, labelRow)], buttons, (b) => Number(b.dataset.value));
}

export default register({
  name: 'scale',
  label: t('Scale'),
  hint: t('Tap a number.'),
  control: stepButtons,
  describe(poll, value) {
    const label = poll.scale?.labels?.[String(value)];
    return label ? t('{value} ({label})', { value: String(value), label }) : String(value);
  },
  chart: (poll) => new ScaleChart(poll),
});
