// The countdown for pair exercises, as the presenter, the phones and the console show it. The server sends
// how much time is left; each screen counts down from its own clock from then, so a phone whose clock is
// minutes off still shows the same time as the projector.
import { h, setText } from './dom.js';
import { t, nt } from './i18n.js';

/** @import { Timer } from './types.js' */

/** How long "Time's up" stays on screen before the countdown goes away by itself. */
const DONE_FOR_MS = 60000;

/** "4:05" from milliseconds left (rounded up, so "0:00" appears only when time is up). */
export function clock(/** @type {number} */ ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** "5 minutes", "90 seconds": a length for people rather than a clock face. */
export function spoken(/** @type {number} */ seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (!rest) return nt('{n} minute', '{n} minutes', minutes, { n: minutes });
  if (seconds < 120) return nt('{n} second', '{n} seconds', seconds, { n: seconds });
  // (Each message on its own: pybabel does not find one built inside another's arguments.)
  const spokenMinutes = nt('{n} minute', '{n} minutes', minutes, { n: minutes });
  const spokenSeconds = nt('{n} second', '{n} seconds', rest, { n: rest });
  return t('{minutes} {seconds}', { minutes: spokenMinutes, seconds: spokenSeconds });
}

export class Countdown {
  /**
   * @param {{label?: string}} [options]  label: what the time is for, read before the clock ("Time left")
   */
  constructor({ label = t('Time left') } = {}) {
    this.time = h('span', { class: 'countdown-time', 'data-testid': 'countdown-time' }, '');
    this.bar = h('span', { class: 'countdown-bar', 'aria-hidden': 'true' }, h('span', { class: 'countdown-fill' }));
    this.caption = h('span', { class: 'countdown-label' }, label);
    // role=timer is not announced on every tick; the separate status line speaks at start and at the end.
    this.el = h('div', { class: 'countdown', role: 'timer', 'data-testid': 'countdown', hidden: true },
      this.caption, this.time, this.bar);
    this.status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    this.label = label;
    this.endsAt = 0;
    this.length = 0;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.ticker = undefined;
  }

  /** Both parts, to place on the page (the clock and its announcements). */
  parts() {
    return [this.el, this.status];
  }

  /** Show a timer the server sent, or take it off (not running, or none). */
  set(/** @type {Timer | null | undefined} */ timer) {
    clearInterval(this.ticker);
    if (!timer || !timer.running) {
      this.el.hidden = true;
      this.el.dataset.state = 'off';
      setText(this.status, '');
      return;
    }
    this.length = timer.seconds * 1000;
    this.endsAt = performance.now() + timer.remaining_ms;
    this.el.hidden = false;
    setText(this.status, timer.remaining_ms > 0 ? t('Timer started: {length}', { length: spoken(Math.ceil(timer.remaining_ms / 1000)) }) : '');
    this.tick();
    this.ticker = setInterval(() => this.tick(), 250);
  }

  /** Milliseconds left now (0 when time is up; meaningless while hidden). */
  remaining() {
    return Math.max(0, this.endsAt - performance.now());
  }

  tick() {
    const left = this.remaining();
    const done = left <= 0;
    if (done && this.el.dataset.state !== 'done') {
      setText(this.status, t("Time's up"));
    }
    this.el.dataset.state = done ? 'done' : left <= 10000 ? 'ending' : 'running';
    setText(this.caption, done ? t("Time's up") : this.label);
    setText(this.time, clock(left));
    const fill = /** @type {HTMLElement} */ (this.bar.firstElementChild);
    fill.style.transform = `scaleX(${this.length ? left / this.length : 0})`;
    if (done && performance.now() >= this.endsAt + DONE_FOR_MS) this.set(null);
  }
}
