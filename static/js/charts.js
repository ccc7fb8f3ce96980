// Result charts, the generic building blocks the poll types pick from (static/js/polls/): bars,
// a scale distribution, a word cloud and a list. Every chart builds its DOM once per poll and then
// updates the existing nodes in place, so several updates a second animate smoothly instead of flickering.
import { h, setText, setAttr } from './dom.js';
import { t, nt, formatList, formatNumber } from './i18n.js';

/** @import { Poll, Results, Scale } from './types.js' */
/** @import { Chart } from './polls/registry.js' */

// The server rounds (workshop/polls.py `percentages`: half up, adding up to 100 where each answer counts
// once), so every screen, the report and the CSV show one number; this is only for results without them.
const pct = (/** @type {number} */ count, /** @type {number} */ total) =>
  total > 0 ? Math.round((count / total) * 100) : 0;

/** A whole percentage as the page's language writes it ("38%", "38 %"). */
const percentText = (/** @type {number} */ whole) => formatNumber(whole / 100, { style: 'percent' });

/** A mean with one decimal ("3.5", "3,5"). */
export const oneDecimal = (/** @type {number} */ value) =>
  formatNumber(value, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/**
 * Horizontal bars, one per option, from `results.counts`.
 * @implements {Chart}
 */
export class BarChart {
  /** @param {Poll} poll */
  constructor(poll) {
    this.rows = (poll.options || []).map((option, index) => {
      const fill = h('span', { class: 'bar-fill' });
      const count = h('span', { class: 'bar-count', 'aria-hidden': 'true' }, '0');
      const percent = h('span', { class: 'bar-pct', 'aria-hidden': 'true' }, percentText(0));
      // What a screen reader says for the two numbers: one sentence, in the page's language.
      const spoken = h('span', { class: 'visually-hidden' });
      const row = h(
        'li',
        { class: 'bar-row', 'data-testid': 'bar', dataset: { count: 0, index } },
        h('span', { class: 'bar-label' }, option),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'bar-value' }, count, ' ', percent, spoken),
      );
      return { row, fill, count, percent, spoken, option };
    });
    this.el = h('ol', { class: `bars bars-${poll.type}` }, this.rows.map((r) => r.row));
  }

  /** @param {Results} results */
  update(results) {
    const counts = results.counts || [];
    const total = results.total || 0;
    const max = Math.max(1, ...counts.map((c) => c || 0));
    const top = Math.max(...counts.map((c) => c || 0), 0);
    const percents = results.percents || [];
    this.rows.forEach((r, i) => {
      const c = counts[i] || 0;
      setAttr(r.row, 'data-count', c);
      r.row.classList.toggle('is-top', top > 0 && c === top);
      r.fill.style.width = `${(c / max) * 100}%`;
      const share = percentText(percents[i] ?? pct(c, total));
      setText(r.count, formatNumber(c));
      setText(r.percent, share);
      setText(r.spoken, nt('{n} answer, {percent}', '{n} answers, {percent}', c, { n: formatNumber(c), percent: share }));
    });
  }

  /** @param {Results} results */
  summary(results) {
    const counts = results.counts || [];
    const top = Math.max(0, ...counts);
    if (!top) return '';
    const leaders = this.rows.filter((_, i) => counts[i] === top).map((r) => r.option);
    return t('Most chosen: {options} ({n}).', { options: formatList(leaders), n: formatNumber(top) });
  }
}

/** A scale poll's steps (1 to 5 if the payload lacks them). */
export function scaleOf(/** @type {Poll} */ poll) {
  /** @type {Scale} */
  const fallback = { min: 1, max: 5, labels: {} };
  return poll.scale || fallback;
}

/**
 * Vertical distribution bars from min to max with end labels and a mean marker.
 * @implements {Chart}
 */
export class ScaleChart {
  /** @param {Poll} poll */
  constructor(poll) {
    const scale = scaleOf(poll);
    const labels = scale.labels || {};
    this.min = scale.min;
    this.max = scale.max;
    const n = this.max - this.min + 1;
    this.cols = [];
    const ticks = [];
    for (let v = this.min; v <= this.max; v += 1) {
      const fill = h('span', { class: 'scale-fill' });
      const count = h('span', { class: 'scale-count', 'aria-hidden': 'true' }, '0');
      const label = labels[String(v)];
      const spoken = h('span', { class: 'visually-hidden' });
      const col = h(
        'li',
        { class: 'scale-col', 'data-testid': 'bar', dataset: { count: 0, value: v } },
        count,
        spoken,
        h('span', { class: 'scale-track', 'aria-hidden': 'true' }, fill),
      );
      this.cols.push({ col, fill, count, spoken, step: label ? t('{value} ({label})', { value: v, label }) : String(v) });
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

  /** @param {Results} results */
  update(results) {
    const counts = results.counts || [];
    const max = Math.max(1, ...counts.map((c) => c || 0));
    this.cols.forEach((c, i) => {
      const value = counts[i] || 0;
      setAttr(c.col, 'data-count', value);
      c.fill.style.height = `${(value / max) * 100}%`;
      setText(c.count, formatNumber(value));
      setText(c.spoken, nt('{n} answered {step}', '{n} answered {step}', value, { n: formatNumber(value), step: c.step }));
    });
    const mean = typeof results.mean === 'number' ? results.mean : null;
    const visible = mean !== null;
    this.meanLine.hidden = !visible;
    this.meanRow.hidden = !visible;
    if (visible) {
      // From the start side: the scale runs right to left in a right-to-left page, and so does its mean.
      const start = `${((mean - this.min + 0.5) / this.n) * 100}%`;
      this.meanLine.style.insetInlineStart = start;
      this.meanText.style.insetInlineStart = start;
      setText(this.meanText, t('mean {mean}', { mean: oneDecimal(mean) }));
    }
  }

  /** @param {Results} results */
  summary(results) {
    return typeof results.mean === 'number' ? t('Mean {mean}.', { mean: oneDecimal(results.mean) }) : '';
  }
}

const TONES = 5;
/** One of five colours, always the same for the same text. */
function tone(/** @type {string} */ text) {
  let hash = 0;
  for (let i = 0; i < text.length; i += 1) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash % TONES;
}

/** Text answers the room may see (not moderated away), with at least one vote. */
const visibleAnswers = (/** @type {Results} */ results) => (results.answers || []).filter((a) => !a.hidden && a.count > 0);

/** "Most common: …" for screen readers. */
function commonAnswers(/** @type {Results} */ results) {
  const answers = visibleAnswers(results).sort((a, b) => b.count - a.count);
  if (!answers.length) return '';
  // Each answer in its own isolate (FSI ... PDI), so an Arabic or Hebrew one cannot pull its count across.
  const list = formatList(answers.slice(0, 3).map((a) => `\u2068${a.text}\u2069 (${formatNumber(a.count)})`));
  return t('Most common: {answers}.', { answers: list });
}

/**
 * Word cloud: distinct answers sized by count, in a stable (first seen) order.
 * @implements {Chart}
 */
export class WordCloud {
  constructor({ limit = 60 } = {}) {
    /** @type {Map<string, {node: HTMLElement, word: HTMLElement, count: HTMLElement}>} */
    this.words = new Map();
    this.limit = limit;
    this.el = h('ul', { class: 'cloud' });
  }

  /** @param {Results} results */
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
        const count = h('span', { class: 'visually-hidden count-isolate' });
        const word = h('span', { class: 'cloud-text', 'data-testid': 'word', dataset: { count: a.count } }, a.text);
        // dir="auto": the answer's own first letter sets its direction (Arabic and Hebrew run right to left).
        const node = h('li', { class: `cloud-word tone-${tone(a.text)}`, dir: 'auto' }, word, count);
        w = { node, word, count };
        this.words.set(a.text, w);
        this.el.append(node);
      }
      setAttr(w.word, 'data-count', a.count);
      setText(w.count, ` (${formatNumber(a.count)})`);
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

  /** @param {Results} results */
  summary(results) {
    return commonAnswers(results);
  }

  /** @param {Results} results */
  isEmpty(results) {
    return !visibleAnswers(results).length;
  }
}

/**
 * A moderation row's parts: its "hidden" note and its Hide/Show button (disabled while waiting).
 * @typedef {{state: HTMLElement, buttonText: HTMLElement, button: HTMLButtonElement, busy: boolean}} ModerationParts
 */

/**
 * One row of an answer list.
 * @typedef {{node: HTMLElement, count: HTMLElement, moderation: ModerationParts | null}} AnswerItem
 */

/**
 * Answers with counts, most frequent first. With `moderate`, hidden answers are included and every
 * row gets a Hide/Show button calling moderate(text, hide).
 * @implements {Chart}
 */
export class AnswerList {
  /** @param {{moderate?: ((text: string, hide: boolean) => Promise<void>) | null, limit?: number}} options */
  constructor({ moderate = null, limit = Infinity } = {}) {
    this.moderate = moderate;
    this.limit = limit;
    /** @type {Map<string, AnswerItem>} */
    this.items = new Map();
    this.el = h('ol', { class: `answer-list${moderate ? ' answer-list-moderate' : ''}` });
  }

  /** @param {Results} results */
  update(results) {
    const answers = (results.answers || []).filter((a) => a.count > 0 && (this.moderate || !a.hidden));
    answers.sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    const shown = answers.slice(0, this.limit);
    const present = new Set();
    /** @type {HTMLElement[]} */
    const wanted = [];
    for (const a of shown) {
      present.add(a.text);
      const it = this.items.get(a.text) || this.create(a.text);
      wanted.push(it.node);
      setAttr(it.node, 'data-count', a.count);
      setText(it.count, formatNumber(a.count));
      setText(it.count.nextElementSibling, nt('{n} answer', '{n} answers', a.count, { n: formatNumber(a.count) }));
      if (it.moderation) showModeration(it.node, it.moderation, Boolean(a.hidden));
    }
    for (const [text, it] of this.items) {
      if (!present.has(text)) {
        it.node.remove();
        this.items.delete(text);
      }
    }
    // Reorder only when needed, so a focused moderation button keeps its focus.
    const current = Array.from(this.el.children);
    if (wanted.length !== current.length || wanted.some((node, i) => node !== current[i])) {
      const focused = document.activeElement;
      this.el.append(...wanted);
      if (focused instanceof HTMLElement && this.el.contains(focused) && document.activeElement !== focused) {
        focused.focus();
      }
    }
  }

  /** A new row for `text` (with its moderation button if this list moderates). */
  create(/** @type {string} */ text) {
    const count = h('span', { class: 'answer-count', 'aria-hidden': 'true' });
    const node = h(
      'li',
      // dir="auto": a right-to-left answer aligns right and its count (a flex item) moves to the left.
      { class: 'answer', 'data-testid': 'answer', dir: 'auto' },
      h('span', { class: 'answer-text', 'data-testid': 'answer-text' }, text),
      h('span', { class: 'answer-count-wrap' }, count, h('span', { class: 'visually-hidden' })),
    );
    /** @type {AnswerItem} */
    const it = { node, count, moderation: null };
    const moderate = this.moderate;
    if (moderate) {
      const buttonText = h('span', {}, t('Hide'));
      const button = h(
        'button',
        { type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'moderate' },
        buttonText,
        h('span', { class: 'visually-hidden' }, ': ', text),
      );
      /** @type {ModerationParts} */
      const parts = { state: h('span', { class: 'answer-state' }), buttonText, button, busy: false };
      button.addEventListener('click', async () => {
        const hide = button.dataset.hidden !== 'true';
        parts.busy = true;
        button.disabled = true;
        try {
          await moderate(text, hide);
        } finally {
          parts.busy = false;
          button.disabled = false;
        }
      });
      it.moderation = parts;
      node.append(parts.state, button);
    }
    this.items.set(text, it);
    return it;
  }

  /** @param {Results} results */
  summary(results) {
    return commonAnswers(results);
  }

  /** @param {Results} results */
  isEmpty(results) {
    return !visibleAnswers(results).length;
  }
}

/** Mark a moderated row as hidden or shown, and label its button for the opposite. */
function showModeration(/** @type {HTMLElement} */ node, /** @type {ModerationParts} */ parts, /** @type {boolean} */ hidden) {
  node.classList.toggle('is-hidden', hidden);
  setText(parts.state, hidden ? t('Hidden from the room') : '');
  parts.state.hidden = !hidden;
  setText(parts.buttonText, hidden ? t('Show') : t('Hide'));
  parts.button.dataset.hidden = hidden ? 'true' : 'false';
  parts.button.disabled = parts.busy;
}

/** The console's list of text answers, each with a Hide/Show button; rebuilt for each poll. */
export class ModerationList {
  /**
   * @param {HTMLElement} root
   * @param {(pollId: string, text: string, hide: boolean) => Promise<void>} onModerate
   */
  constructor(root, onModerate) {
    this.root = root;
    this.onModerate = onModerate;
    /** @type {AnswerList | null} */
    this.list = null;
    /** @type {string | null} */
    this.pollId = null;
  }

  /** @param {Poll} poll @param {Results | null | undefined} results */
  update(poll, results) {
    if (!this.list || this.pollId !== poll.id) {
      const pollId = poll.id;
      this.pollId = pollId;
      this.list = new AnswerList({ moderate: (text, hide) => this.onModerate(pollId, text, hide) });
      this.root.replaceChildren(this.list.el);
    }
    /** @type {Results} */
    const none = { poll: poll.id, total: 0, answers: [] };
    this.list.update(results || none);
  }

  reset() {
    this.list = null;
    this.pollId = null;
    this.root.replaceChildren();
  }
}
