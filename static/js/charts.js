// Live result renderers shared by the presenter, the facilitator console and phones.
// Every chart builds its DOM once per poll and then updates the existing nodes in place,
// so several updates a second animate smoothly instead of flickering.
import { h, setText, setAttr, plural, throttledAnnouncer } from './dom.js';

const pct = (count, total) => (total > 0 ? Math.round((count / total) * 100) : 0);

/** Horizontal bars for single and multiple choice. */
class BarChart {
  constructor(poll) {
    this.rows = poll.options.map((option, index) => {
      const fill = h('span', { class: 'bar-fill' });
      const count = h('span', { class: 'bar-count' }, '0');
      const percent = h('span', { class: 'bar-pct' }, '0%');
      const row = h(
        'li',
        { class: 'bar-row', 'data-testid': 'bar', dataset: { count: 0, index } },
        h('span', { class: 'bar-label' }, option),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'bar-value' }, count, h('span', { class: 'visually-hidden' }, ' answers, '), ' ', percent),
      );
      return { row, fill, count, percent, option };
    });
    this.el = h('ol', { class: `bars bars-${poll.type}` }, this.rows.map((r) => r.row));
  }

  update(results) {
    const counts = results.counts || [];
    const total = results.total || 0;
    const max = Math.max(1, ...counts.map((c) => c || 0));
    const top = Math.max(...counts.map((c) => c || 0), 0);
    this.rows.forEach((r, i) => {
      const c = counts[i] || 0;
      setAttr(r.row, 'data-count', c);
      r.row.classList.toggle('is-top', top > 0 && c === top);
      r.fill.style.width = `${(c / max) * 100}%`;
      setText(r.count, c);
      setText(r.percent, `${pct(c, total)}%`);
    });
  }

  summary(results) {
    const counts = results.counts || [];
    const top = Math.max(0, ...counts);
    if (!top) return '';
    const leaders = this.rows.filter((_, i) => counts[i] === top).map((r) => r.option);
    return `Most chosen: ${leaders.join(', ')} (${top}).`;
  }
}

/** Vertical distribution bars from min to max with end labels and a mean marker. */
class ScaleChart {
  constructor(poll) {
    const scale = poll.scale || { min: 1, max: 5, labels: {} };
    const labels = scale.labels || {};
    this.min = scale.min;
    this.max = scale.max;
    const n = this.max - this.min + 1;
    this.cols = [];
    const ticks = [];
    for (let v = this.min; v <= this.max; v += 1) {
      const fill = h('span', { class: 'scale-fill' });
      const count = h('span', { class: 'scale-count' }, '0');
      const label = labels[String(v)];
      const col = h(
        'li',
        { class: 'scale-col', 'data-testid': 'bar', dataset: { count: 0, value: v } },
        count,
        h('span', { class: 'visually-hidden' }, ` answered ${v}${label ? ` (${label})` : ''}`),
        h('span', { class: 'scale-track', 'aria-hidden': 'true' }, fill),
      );
      this.cols.push({ col, fill, count });
      const pos = v === this.min ? 'start' : v === this.max ? 'end' : 'middle';
      ticks.push(
        h(
          'span',
          { class: `scale-tick tick-${pos}`, 'aria-hidden': 'true' },
          h('span', { class: 'scale-num' }, String(v)),
          label ? h('span', { class: 'scale-label' }, label) : null,
        ),
      );
    }
    this.meanLine = h('span', { class: 'scale-mean-line', 'aria-hidden': 'true' });
    this.meanText = h('span', { class: 'scale-mean', 'data-testid': 'mean' });
    this.meanRow = h('div', { class: 'scale-mean-row' }, this.meanText);
    this.el = h(
      'div',
      { class: 'scale-chart' },
      h(
        'div',
        { class: 'scale-plot' },
        h('ol', { class: 'scale-cols' }, this.cols.map((c) => c.col)),
        this.meanLine,
      ),
      h('div', { class: 'scale-axis' }, ticks),
      this.meanRow,
    );
    this.n = n;
    // Set through the CSSOM (allowed under a strict style-src CSP, unlike style attributes).
    this.el.style.setProperty('--n', String(n));
  }

  update(results) {
    const counts = results.counts || [];
    const max = Math.max(1, ...counts.map((c) => c || 0));
    this.cols.forEach((c, i) => {
      const value = counts[i] || 0;
      setAttr(c.col, 'data-count', value);
      c.fill.style.height = `${(value / max) * 100}%`;
      setText(c.count, value);
    });
    const mean = typeof results.mean === 'number' ? results.mean : null;
    const visible = mean !== null;
    this.meanLine.hidden = !visible;
    this.meanRow.hidden = !visible;
    if (visible) {
      const left = `${((mean - this.min + 0.5) / this.n) * 100}%`;
      this.meanLine.style.left = left;
      this.meanText.style.left = left;
      setText(this.meanText, `mean ${mean.toFixed(1)}`);
    }
  }

  summary(results) {
    return typeof results.mean === 'number' ? `Mean ${results.mean.toFixed(1)}.` : '';
  }
}

const TONES = 5;
function tone(text) {
  let hash = 0;
  for (let i = 0; i < text.length; i += 1) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash % TONES;
}

const visibleAnswers = (results) => (results.answers || []).filter((a) => !a.hidden && a.count > 0);

/** Word cloud: distinct answers sized by count, in a stable (first seen) order. */
class WordCloud {
  constructor(_poll, { limit = 60 } = {}) {
    this.words = new Map();
    this.limit = limit;
    this.el = h('ul', { class: 'cloud' });
  }

  update(results) {
    const answers = visibleAnswers(results);
    // Only the most frequent `limit` answers are drawn; ties keep the server's (alphabetical) order.
    const shown = new Set(
      [...answers]
        .sort((a, b) => b.count - a.count)
        .slice(0, this.limit)
        .map((a) => a.text),
    );
    const counts = answers.filter((a) => shown.has(a.text)).map((a) => a.count);
    const lo = counts.length ? Math.min(...counts) : 0;
    const hi = counts.length ? Math.max(...counts) : 0;
    const present = new Set();
    for (const a of answers) {
      if (!shown.has(a.text)) continue;
      present.add(a.text);
      let w = this.words.get(a.text);
      if (!w) {
        const count = h('span', { class: 'visually-hidden' });
        const word = h('span', { class: 'cloud-text', 'data-testid': 'word', dataset: { count: a.count } }, a.text);
        const node = h('li', { class: `cloud-word tone-${tone(a.text)}` }, word, count);
        w = { node, word, count };
        this.words.set(a.text, w);
        this.el.append(node);
      }
      setAttr(w.word, 'data-count', a.count);
      setText(w.count, ` (${a.count})`);
      const t = hi > lo ? Math.sqrt((a.count - lo) / (hi - lo)) : counts.length > 1 ? 0.5 : 0.6;
      w.node.style.setProperty('--w', t.toFixed(3));
    }
    // Moderated or crowded-out answers leave the DOM (so counts of words stay honest); the rest keep their place.
    for (const [text, w] of this.words) {
      if (!present.has(text)) {
        w.node.remove();
        this.words.delete(text);
      }
    }
  }

  summary(results) {
    const answers = visibleAnswers(results).sort((a, b) => b.count - a.count);
    if (!answers.length) return '';
    return `Most common: ${answers.slice(0, 3).map((a) => `${a.text} (${a.count})`).join(', ')}.`;
  }
}

/**
 * Answers with counts, most frequent first. With `moderate`, hidden answers are included and every
 * row gets a Hide/Show button calling onModerate(text, hidden).
 */
class AnswerList {
  constructor(_poll, { moderate = null, limit = Infinity } = {}) {
    this.moderate = moderate;
    this.limit = limit;
    this.items = new Map();
    this.el = h('ol', { class: `answer-list${moderate ? ' answer-list-moderate' : ''}` });
  }

  update(results) {
    const answers = (results.answers || []).filter((a) => a.count > 0 && (this.moderate || !a.hidden));
    answers.sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    const shown = answers.slice(0, this.limit);
    const present = new Set();
    for (const a of shown) {
      present.add(a.text);
      let it = this.items.get(a.text);
      if (!it) it = this.create(a.text);
      setAttr(it.node, 'data-count', a.count);
      setText(it.count, a.count);
      if (this.moderate) {
        const hidden = Boolean(a.hidden);
        it.node.classList.toggle('is-hidden', hidden);
        setText(it.state, hidden ? 'Hidden from the room' : '');
        it.state.hidden = !hidden;
        setText(it.buttonText, hidden ? 'Show' : 'Hide');
        it.button.dataset.hidden = hidden ? 'true' : 'false';
        it.button.disabled = Boolean(it.busy);
      }
    }
    for (const [text, it] of this.items) {
      if (!present.has(text)) {
        it.node.remove();
        this.items.delete(text);
      }
    }
    // Reorder only when needed, so a focused moderation button keeps its focus.
    const wanted = shown.map((a) => this.items.get(a.text).node);
    const current = Array.from(this.el.children);
    if (wanted.length !== current.length || wanted.some((node, i) => node !== current[i])) {
      const focused = document.activeElement;
      this.el.append(...wanted);
      if (focused && this.el.contains(focused) && document.activeElement !== focused) focused.focus();
    }
  }

  create(text) {
    const count = h('span', { class: 'answer-count' });
    const node = h(
      'li',
      { class: 'answer', 'data-testid': 'answer' },
      h('span', { class: 'answer-text' }, text),
      h('span', { class: 'answer-count-wrap' }, count, h('span', { class: 'visually-hidden' }, ' answers')),
    );
    const it = { node, count };
    if (this.moderate) {
      it.state = h('span', { class: 'answer-state' });
      it.buttonText = h('span', {}, 'Hide');
      it.button = h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small btn-secondary',
          'data-testid': 'moderate',
          onclick: async () => {
            const hide = it.button.dataset.hidden !== 'true';
            it.busy = true;
            it.button.disabled = true;
            try {
              await this.moderate(text, hide);
            } finally {
              it.busy = false;
              it.button.disabled = false;
            }
          },
        },
        it.buttonText,
        h('span', { class: 'visually-hidden' }, `: ${text}`),
      );
      node.append(it.state, it.button);
    }
    this.items.set(text, it);
    return it;
  }

  summary(results) {
    return WordCloud.prototype.summary.call(this, results);
  }
}

function chartFor(poll, options) {
  if (poll.type === 'single' || poll.type === 'multiple') return new BarChart(poll);
  if (poll.type === 'scale') return new ScaleChart(poll);
  if (poll.type === 'text') {
    if (options.variant === 'phone') return new AnswerList(poll, { limit: 10 });
    return (poll.view || 'cloud') === 'list' ? new AnswerList(poll, { limit: 40 }) : new WordCloud(poll);
  }
  return null;
}

/** Number of visible answers shown on a chart (text: total minus moderated ones are still counted). */
export function answeredLine(total, participants) {
  if (typeof participants === 'number' && participants >= 0) {
    return `${total} of ${participants} answered`;
  }
  return `${plural(total, 'answer')} so far`;
}

/**
 * A results area: a message line, a chart, and a throttled screen reader summary.
 * The page decides what to show (chart or message); the view keeps the chart's DOM across updates.
 */
export class ResultsView {
  constructor(root, { variant = 'presenter', announceEvery = 8000 } = {}) {
    this.root = root;
    this.variant = variant;
    this.message = h('p', { class: 'results-message', 'data-testid': 'results-message', hidden: true });
    this.box = h('div', { class: `chart chart-${variant}`, hidden: true });
    this.live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'results-summary' });
    root.classList.add('results', `results-${variant}`);
    root.append(this.message, this.box, this.live);
    this.announce = throttledAnnouncer(this.live, announceEvery);
    this.chart = null;
    this.key = null;
  }

  /** Show a text message instead of the chart (the chart is kept for later). */
  showMessage(text, announce = text) {
    setText(this.message, text);
    this.message.hidden = false;
    this.box.hidden = true;
    if (announce) this.announce(announce);
  }

  /** Draw (or update) the chart for this poll. */
  showChart(poll, results) {
    const key = JSON.stringify([poll.id, poll.type, poll.options, poll.scale, poll.type === 'text' ? poll.view : null]);
    if (key !== this.key) {
      this.key = key;
      this.chart = chartFor(poll, { variant: this.variant });
      this.box.replaceChildren(this.chart ? this.chart.el : '');
      this.box.dataset.type = poll.type;
    }
    this.message.hidden = true;
    this.box.hidden = false;
    if (this.chart) {
      this.chart.update(results);
      const total = results.total || 0;
      this.announce(`${plural(total, 'answer')}. ${this.chart.summary(results)}`.trim());
    }
    // An empty text cloud needs some words to look like anything.
    if (poll.type === 'text' && !visibleAnswers(results).length) {
      setText(this.message, 'No answers to show yet.');
      this.message.hidden = false;
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

/** The moderation list for text answers in the console. */
export class ModerationList {
  constructor(root, onModerate) {
    this.root = root;
    this.onModerate = onModerate;
    this.list = null;
    this.pollId = null;
  }

  update(poll, results) {
    if (!this.list || this.pollId !== poll.id) {
      this.pollId = poll.id;
      this.list = new AnswerList(poll, { moderate: (text, hidden) => this.onModerate(poll.id, text, hidden) });
      this.root.replaceChildren(this.list.el);
    }
    this.list.update(results || { answers: [] });
  }

  reset() {
    this.list = null;
    this.pollId = null;
    this.root.replaceChildren();
  }
}
