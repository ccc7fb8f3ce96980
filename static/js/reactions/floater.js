// The presenter's reactions: emoji floating up the right-hand margin of the stage (transform and opacity
// only), at most MAX_FLOATING at once however many taps arrive, beside a small tally of the last few seconds.
// With reduced motion nothing floats: the tally alone shows them. Decorative and click-through: the
// layer is aria-hidden with pointer-events none, and sits in the stage's margin, off the results.
import { h, setText, show } from '../dom.js';
import { formatNumber } from '../i18n.js';

/** @import { Reactions } from '../types.js' */

export const MAX_FLOATING = 24;
const MAX_PER_BATCH = 8; // one `reactions` message starts at most this many
const TALLY_IDLE_MS = 6000; // the tally clears this long after the last reaction

export class ReactionFloater {
  /** @param {HTMLElement} parent */
  constructor(parent) {
    this.lane = h('div', { class: 'reaction-lane', 'aria-hidden': 'true', 'data-testid': 'reaction-lane' });
    this.tally = h('div', { class: 'reaction-tally', 'aria-hidden': 'true', 'data-testid': 'reaction-tally', hidden: true });
    parent.append(this.lane, this.tally);
    this.still = window.matchMedia('(prefers-reduced-motion: reduce)');
    /** @type {Map<string, number>} */
    this.recent = new Map();
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.idle = undefined;
  }

  /** Show one `reactions` message. */
  add(/** @type {Reactions} */ message) {
    const counts = Object.entries((message && message.counts) || {}).filter(([, n]) => typeof n === 'number' && n > 0);
    if (!counts.length) return;
    for (const [emoji, n] of counts) this.recent.set(emoji, (this.recent.get(emoji) || 0) + n);
    this.renderTally();
    if (!this.still.matches) this.float(counts);
  }

  /** Start floating emoji in proportion to the counts, within the budget. */
  float(/** @type {[string, number][]} */ counts) {
    const budget = Math.min(MAX_PER_BATCH, MAX_FLOATING - this.lane.childElementCount);
    if (budget <= 0) return;
    const total = counts.reduce((sum, [, n]) => sum + n, 0);
    let started = 0;
    for (const [emoji, n] of counts) {
      const share = Math.min(n, Math.max(1, Math.round((budget * n) / total))); // one tap, one emoji
      for (let i = 0; i < share && started < budget; i += 1, started += 1) this.spawn(emoji, started);
    }
  }

  spawn(/** @type {string} */ emoji, /** @type {number} */ order) {
    const item = h('span', { class: 'reaction-float', 'data-testid': 'reaction-float' }, emoji);
    item.style.setProperty('--x', `${Math.round(Math.random() * 60) - 30}%`);
    item.style.setProperty('--drift', `${Math.round(Math.random() * 80) - 40}%`);
    item.style.animationDuration = `${2600 + Math.round(Math.random() * 900)}ms`;
    item.style.animationDelay = `${order * 90}ms`;
    const remove = () => item.remove();
    item.addEventListener('animationend', remove);
    setTimeout(remove, 5000); // in case the animation never runs (a hidden tab)
    this.lane.append(item);
  }

  renderTally() {
    this.tally.replaceChildren(
      ...[...this.recent].map(([emoji, n]) =>
        h('span', { class: 'reaction-chip', 'data-testid': 'reaction-chip', 'data-emoji': emoji }, emoji, ' ', h('b', {}, formatNumber(n)))),
    );
    show(this.tally, this.recent.size > 0);
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.recent.clear();
      setText(this.tally, '');
      show(this.tally, false);
    }, TALLY_IDLE_MS);
  }
}
