// Ranking: put every option in order (Move up / Move down), then Submit; results are bars per option
// sorted by mean rank, longest for the one ranked highest.
import { h, setAttr, setText } from '../dom.js';
import { register } from './registry.js';
import { controlGate, submitButton } from './controls.js';
import { oneDecimal } from '../charts.js';
import { t, formatNumber } from '../i18n.js';

/** @import { Poll, Results, AnswerValue } from '../types.js' */
/** @import { AnswerContext, AnswerControl, Chart, ChartVariant } from './registry.js' */

/**
 * A ranking poll's `results_updated`: `mean_rank` is aligned with the options (1 = top), null for an
 * option nobody ranked yet.
 * @typedef {Results & {mean_rank?: (number | null)[]}} RankingResults
 */

/** An answer that ranks each of `n` options exactly once (option indexes, first = top). */
function isOrder(/** @type {AnswerValue | null | undefined} */ value, /** @type {number} */ n) {
  if (!Array.isArray(value) || value.length !== n) return false;
  const seen = new Set(value);
  return seen.size === n && value.every((i) => Number.isInteger(i) && i >= 0 && i < n);
}

/** Two rankings are the same order. */
const sameOrder = (/** @type {number[]} */ a, /** @type {AnswerValue | undefined} */ b) =>
  Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);

/** Set an ARIA state, or remove it when false. */
function ariaDisabled(/** @type {HTMLElement} */ el, /** @type {boolean} */ on) {
  if (on) setAttr(el, 'aria-disabled', 'true');
  else if (el.hasAttribute('aria-disabled')) el.removeAttribute('aria-disabled');
}

/**
 * @typedef {object} RankItem
 * @property {number} index  the option's index in the deck
 * @property {string} option
 * @property {HTMLLIElement} li
 * @property {HTMLElement} position  the visible place number
 * @property {HTMLButtonElement} up
 * @property {HTMLButtonElement} down
 */

/**
 * The options as an ordered list, each with Move up / Move down buttons, and a Submit button. Submit
 * is disabled while the list shows the stored order; moving an option enables it again.
 * @param {Poll} poll
 * @param {AnswerContext} context
 * @returns {AnswerControl}
 */
function rankList(poll, context) {
  const options = poll.options || [];
  const n = options.length;
  const identity = () => options.map((_, i) => i);
  /** @type {(value: AnswerValue | undefined) => number[]} */
  const orderOf = (value) => (Array.isArray(value) && isOrder(value, n) ? [...value] : identity());
  let order = orderOf(context.current());

  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'rank-announce' });
  /** @type {RankItem[]} */
  const items = options.map((option, index) => {
    const moveButton = (/** @type {-1 | 1} */ delta) =>
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-secondary btn-small',
          'data-testid': delta < 0 ? 'rank-up' : 'rank-down',
          'aria-label': delta < 0 ? t('Move {option} up', { option }) : t('Move {option} down', { option }),
          onclick: () => move(index, delta),
        },
        h('span', { 'aria-hidden': 'true' }, delta < 0 ? '↑' : '↓'),
      );
    const up = moveButton(-1);
    const down = moveButton(1);
    const position = h('span', { class: 'rank-pos', 'aria-hidden': 'true' });
    Object.assign(position.style, { flex: 'none', minWidth: '1.5em', fontWeight: '700', textAlign: 'right' });
    const moves = h('span', { class: 'rank-moves' }, up, down);
    Object.assign(moves.style, { display: 'flex', gap: '0.4rem', flex: 'none' });
    const li = h(
      'li',
      { class: 'choice rank-item', 'data-testid': 'rank-item', dataset: { index } },
      position,
      h('span', { class: 'choice-text' }, option),
      moves,
    );
    li.style.cursor = 'default';
    return { index, option, li, position, up, down };
  });
  const list = h('ol', { class: 'choices rank-list' }, order.map((i) => items[i].li));
  Object.assign(list.style, { listStyle: 'none', margin: '0', padding: '0' });
  const fieldset = h(
    'fieldset',
    { class: 'rank' },
    h('legend', { class: 'visually-hidden' }, t('{question} Put the options in order, first is most important.', { question: poll.question })),
    list,
    announcer,
  );
  const button = submitButton();

  /** Put the list items in `order`, keeping keyboard focus where it was. */
  function arrange() {
    const focused = document.activeElement;
    order.forEach((index, at) => {
      const li = items[index].li;
      if (list.children[at] !== li) list.insertBefore(li, list.children[at] || null);
    });
    if (focused instanceof HTMLElement && list.contains(focused) && document.activeElement !== focused) focused.focus();
  }

  /** Place numbers, end buttons, the saved mark and Submit, for the order shown. */
  function refresh() {
    const saved = sameOrder(order, context.saved());
    order.forEach((index, at) => {
      const it = items[index];
      setText(it.position, t('{n}.', { n: formatNumber(at + 1) }));
      setAttr(it.li, 'data-position', at + 1);
      it.li.classList.toggle('is-saved', saved);
      it.li.classList.toggle('is-disabled', !gate.open);
      it.up.disabled = !gate.open;
      it.down.disabled = !gate.open;
      // aria-disabled, not disabled: the button just pressed keeps its focus at either end.
      ariaDisabled(it.up, at === 0);
      ariaDisabled(it.down, at === n - 1);
    });
    button.disabled = !gate.open || !gate.online || saved;
  }

  /** Move an option one place up (-1) or down (+1). */
  function move(/** @type {number} */ index, /** @type {-1 | 1} */ delta) {
    if (!gate.open) return;
    const from = order.indexOf(index);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= n) return;
    const neighbour = items[order[to]].li;
    order = [...order];
    [order[from], order[to]] = [order[to], order[from]];
    // Move the neighbour rather than the pressed item, so its button never leaves the document.
    if (delta < 0) items[index].li.after(neighbour);
    else items[index].li.before(neighbour);
    arrange();
    context.draft([...order]);
    context.clearRefusal();
    refresh();
    setText(announcer, t('{option}: place {place} of {count}.', { option: items[index].option, place: formatNumber(to + 1), count: formatNumber(n) }));
  }

  const gate = controlGate(refresh);
  /** @type {AnswerControl} */
  const control = {
    nodes: [fieldset, h('div', { class: 'form-actions' }, button)],
    onSubmit(event) {
      event.preventDefault();
      if (!gate.open || !gate.online) return;
      context.submit([...order]);
    },
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      order = orderOf(value);
      arrange();
      refresh();
    },
  };
  refresh();
  return control;
}

/** Mean ranks aligned with the options (null: not ranked yet). */
function meanRanks(/** @type {RankingResults} */ results, /** @type {number} */ n) {
  const means = results.mean_rank || [];
  return Array.from({ length: n }, (_, i) => {
    const m = means[i];
    return typeof m === 'number' && Number.isFinite(m) ? m : null;
  });
}

const rankText = (/** @type {number} */ mean) => t('avg. rank {rank}', { rank: oneDecimal(mean) });

/**
 * Horizontal bars, one per option, sorted by mean rank (best first); a bar's length shows how high
 * the option ranks: (n − mean + 1) / n, so a unanimous first place fills it.
 * @implements {Chart}
 */
class RankChart {
  /** @param {Poll} poll @param {ChartVariant} variant */
  constructor(poll, variant) {
    const options = poll.options || [];
    this.n = options.length;
    this.rows = options.map((option, index) => {
      const fill = h('span', { class: 'bar-fill' });
      const value = h('span', { class: 'bar-count' }, t('not ranked'));
      const row = h(
        'li',
        { class: 'bar-row', 'data-testid': 'bar', dataset: { index, meanRank: '' } },
        h('span', { class: 'bar-label' }, option),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'bar-value' }, h('span', { class: 'visually-hidden' }, ', '), value),
      );
      // The projector's value column is a fixed share, too narrow for "avg. rank 1.4": fit it to its text.
      if (variant === 'presenter') row.style.gridTemplateColumns = 'minmax(0, 36fr) minmax(0, 50fr) max-content';
      return { row, fill, value, option, index };
    });
    this.el = h('ol', { class: `bars bars-${poll.type}` }, this.rows.map((r) => r.row));
  }

  /** The rows best first; options nobody ranked yet last, in deck order. */
  sorted(/** @type {(number | null)[]} */ means) {
    const key = (/** @type {number} */ i) => means[i] ?? Infinity;
    return [...this.rows].sort((a, b) => key(a.index) - key(b.index) || a.index - b.index);
  }

  /** @param {RankingResults} results */
  update(results) {
    const means = meanRanks(results, this.n);
    const ranked = means.filter((m) => m !== null);
    const best = ranked.length ? Math.min(...ranked) : null;
    this.rows.forEach((r) => {
      const mean = means[r.index];
      setAttr(r.row, 'data-mean-rank', mean === null ? '' : mean.toFixed(2));
      r.row.classList.toggle('is-top', mean !== null && mean === best);
      const share = mean === null ? 0 : Math.min(1, Math.max(0, (this.n - mean + 1) / this.n));
      r.fill.style.width = `${share * 100}%`;
      setText(r.value, mean === null ? t('not ranked') : rankText(mean));
    });
    // Reorder only when needed (the bars' widths animate in place otherwise).
    const wanted = this.sorted(means).map((r) => r.row);
    const current = Array.from(this.el.children);
    if (wanted.some((node, i) => node !== current[i])) this.el.append(...wanted);
  }

  /** @param {RankingResults} results */
  summary(results) {
    const means = meanRanks(results, this.n);
    const [first] = this.sorted(means);
    const mean = first ? means[first.index] : null;
    return first && mean !== null ? t('Ranked highest: {option} (average rank {rank}).', { option: first.option, rank: oneDecimal(mean) }) : '';
  }

  /** @param {RankingResults} results */
  isEmpty(results) {
    return meanRanks(results, this.n).every((m) => m === null);
  }
}

export default register({
  name: 'ranking',
  label: t('Ranking'),
  hint: t('Put these in order, most important first, then press Submit.'),
  control: rankList,
  describe: (poll, value) =>
    Array.isArray(value) ? value.map((i) => poll.options?.[i] ?? String(i)).join(' › ') : String(value),
  chart: (poll, variant) => new RankChart(poll, variant),
});
