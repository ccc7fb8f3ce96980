// A page's results area: a message line, the poll type's chart, and a throttled screen reader summary.
import { h, setText, throttledAnnouncer } from './dom.js';
import { pollType, definitionKey } from './polls/index.js';
import { t, nt, formatNumber } from './i18n.js';

/** @import { Poll, Results } from './types.js' */
/** @import { Chart, ChartVariant } from './polls/registry.js' */

/** "3 of 12 answered", or "3 answers so far" when the number of participants is unknown. */
export function answeredLine(/** @type {number} */ total, /** @type {number | undefined} */ participants) {
  if (typeof participants === 'number' && participants >= 0) {
    return nt('{n} of {total} answered', '{n} of {total} answered', total, { n: formatNumber(total), total: formatNumber(participants) });
  }
  return nt('{n} answer so far', '{n} answers so far', total, { n: formatNumber(total) });
}

/**
 * Whether results are held back for anonymity: fewer than k (> 1) answers released so far. Such results
 * carry no total and no count-down, and pages show none: either would tell when each person answered.
 * (With k = 1 a suppressed poll simply has no answers yet.)
 * @param {Results | undefined | null} results
 * @returns {boolean}
 */
export function heldBack(results) {
  return Boolean(results && results.suppressed && (results.min_responses || 1) > 1);
}

/**
 * How many answers a poll has released: what its results (or, before any arrive, its poll payload) count.
 * Never the live number, which only moves in steps of at least k.
 * @param {Poll} poll
 * @param {Results | undefined | null} results
 */
export function releasedTotal(poll, results) {
  if (results) return results.suppressed ? 0 : results.total || 0;
  return poll.total || 0;
}

/** What shows instead of the chart while results are suppressed: no numbers but k. */
export function suppressedMessage(/** @type {Results} */ results) {
  const k = results.min_responses || 1;
  return k > 1 ? nt('Results appear once at least {n} person has answered', 'Results appear once at least {n} people have answered', k, { n: formatNumber(k) })
    : t('No answers yet');
}

/** "updates after every 3 answers": results move only in released snapshots of at least k (> 1) people. */
export function releaseHint(/** @type {number} */ k) {
  return k > 1 ? nt('updates after every {n} answer', 'updates after every {n} answers', k, { n: formatNumber(k) }) : '';
}

/**
 * The page decides what to show (chart or message); the view keeps the chart's DOM across updates
 * and rebuilds it only when the poll (or, for text, its on-screen view) changes.
 */
export class ResultsView {
  /**
   * @param {HTMLElement} root
   * @param {{variant?: ChartVariant, announceEvery?: number}} options
   */
  constructor(root, { variant = 'presenter', announceEvery = 8000 } = {}) {
    this.root = root;
    /** @type {ChartVariant} */
    this.variant = variant;
    this.message = h('p', { class: 'results-message', 'data-testid': 'results-message', hidden: true });
    this.box = h('div', { class: `chart chart-${variant}`, hidden: true });
    this.live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'results-summary' });
    root.classList.add('results', `results-${variant}`);
    root.append(this.message, this.box, this.live);
    this.announce = throttledAnnouncer(this.live, announceEvery);
    /** @type {Chart | null} */
    this.chart = null;
    /** @type {string | null} which poll (and view) the chart was built for */
    this.key = null;
  }

  /** Show a text message instead of the chart (the chart is kept for later). */
  showMessage(/** @type {string} */ text, /** @type {string | null} */ announce = text) {
    setText(this.message, text);
    this.message.hidden = false;
    this.box.hidden = true;
    if (announce) this.announce(announce);
  }

  /** Draw (or update) the chart for this poll. */
  showChart(/** @type {Poll} */ poll, /** @type {Results} */ results) {
    const key = definitionKey(poll, 'view');
    if (key !== this.key) {
      this.key = key;
      this.chart = pollType(poll.type).chart(poll, this.variant);
      this.box.replaceChildren(this.chart ? this.chart.el : '');
      this.box.dataset.type = poll.type;
    }
    this.message.hidden = true;
    this.box.hidden = false;
    if (this.chart) {
      this.chart.update(results);
      const total = results.total || 0;
      const answers = nt('{n} answer', '{n} answers', total, { n: formatNumber(total) });
      this.announce(t('{answers}. {summary}', { answers, summary: this.chart.summary(results) }).trim());
      // A word cloud or list with nothing (left) to show needs a word of explanation.
      if (this.chart.isEmpty && this.chart.isEmpty(results)) {
        setText(this.message, t('No answers to show yet.'));
        this.message.hidden = false;
      }
    }
  }

  /** Forget the chart (new poll on screen). */
  reset() {
    this.key = null;
    this.chart = null;
    this.box.replaceChildren();
    this.box.hidden = true;
    this.message.hidden = true;
  }
}
