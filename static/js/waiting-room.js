// A new participant the room does not admit now (closed, full, too many joining at once): a calm
// full-screen message, another try later, and the page back as it was once the phone is let in.
import { h, setText } from './dom.js';
import { dismissibleMessage } from './full-screen-message.js';
import { t, nt, formatNumber } from './i18n.js';

/** @import { RoomRefusal } from './types.js' */
/** @import { MessageScreen, ShownMessage } from './full-screen-message.js' */

/** The first retry after "too many joining at once"; later ones back off to RATE_LIMIT_MAX_MS. */
export const RATE_LIMIT_RETRY_MS = 5000;
const RATE_LIMIT_MAX_MS = 30000;
/** How often a phone shown a closed or full room checks again (a lock or a cap can be lifted). */
export const ROOM_RETRY_MS = 15000;
/** Spread retries a little, so a crowd refused together does not come back in the same instant. */
const JITTER_MS = 1500;

/**
 * @typedef {object} WaitingRoom
 * @property {(reason: RoomRefusal) => void} refused  show why and schedule the next try
 * @property {() => void} admitted  the connection is up: take the message down
 * @property {() => void} cancel  stop trying (another screen took over)
 */

/**
 * @param {Record<RoomRefusal, MessageScreen>} screens  what the page says for each reason
 * @param {() => void} retry  connect again
 * @returns {WaitingRoom}
 */
export function waitingRoom(screens, retry) {
  /** @type {{reason: RoomRefusal, message: ShownMessage, status: HTMLElement} | null} */
  let shown = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ticker;
  let rateLimited = 0; // refusals for the rate in a row, for the back-off

  function clearTimers() {
    clearTimeout(timer);
    clearInterval(ticker);
  }

  /** The screen for this reason: kept (and not announced again) when the reason repeats. */
  function screenFor(/** @type {RoomRefusal} */ reason) {
    if (shown && shown.reason === reason && shown.message.section.isConnected) return shown;
    if (shown) shown.message.dismiss();
    const message = dismissibleMessage(screens[reason]);
    // The countdown changes every second: kept out of the live region's announcements.
    const status = h('p', { class: 'full-message-status', 'data-testid': 'retry-status', 'aria-live': 'off' });
    message.section.append(status);
    shown = { reason, message, status };
    return shown;
  }

  function refused(/** @type {RoomRefusal} */ reason) {
    clearTimers();
    const { status } = screenFor(reason);
    const jitter = Math.random() * JITTER_MS;
    if (reason !== 'rate_limited') {
      rateLimited = 0;
      setText(status, t('This page checks again by itself and lets you in as soon as there is room.'));
      timer = setTimeout(retry, ROOM_RETRY_MS + jitter);
      return;
    }
    rateLimited += 1;
    const delay = Math.min(RATE_LIMIT_MAX_MS, RATE_LIMIT_RETRY_MS * 1.5 ** (rateLimited - 1)) + jitter;
    const due = Date.now() + delay;
    const tick = () => {
      const seconds = Math.ceil((due - Date.now()) / 1000);
      setText(status, seconds > 0 ? nt('Trying again in {n} s…', 'Trying again in {n} s…', seconds, { n: formatNumber(seconds) }) : t('Trying again now…'));
    };
    tick();
    ticker = setInterval(tick, 250);
    timer = setTimeout(() => {
      clearInterval(ticker);
      tick();
      retry();
    }, delay);
  }

  function admitted() {
    clearTimers();
    rateLimited = 0;
    if (shown) shown.message.dismiss();
    shown = null;
  }

  function cancel() {
    clearTimers();
    shown = null;
  }

  return { refused, admitted, cancel };
}
