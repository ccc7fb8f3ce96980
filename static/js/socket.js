// Socket.IO connection helper shared by every live page: the connection banner, telling refused
// connections apart, and acknowledged emits that always resolve (with a timeout instead of hanging).
import { optionalElement, setText, show } from './dom.js';
import { t } from './i18n.js';

/** @import { Ack, FatalReason, LiveSocket, Refusal, RoomRefusal } from './types.js' */

/** @type {readonly FatalReason[]} */
export const FATAL_ERRORS = ['unknown_session', 'unauthorized', 'session_ended'];

/** @type {readonly RoomRefusal[]} */
export const ROOM_REFUSALS = ['room_locked', 'room_full', 'rate_limited'];

/** Whether a connect_error message is a refusal the page is told about (not silently retried). */
const isRefusal = (/** @type {unknown} */ code) =>
  FATAL_ERRORS.some((reason) => reason === code) || ROOM_REFUSALS.some((reason) => reason === code);

/**
 * Whether a refusal is one of a new participant's, which trying again later may get past.
 * @param {Refusal} reason
 * @returns {reason is RoomRefusal}
 */
export function isRoomRefusal(reason) {
  return ROOM_REFUSALS.some((r) => r === reason);
}

/** @type {Record<string, string>} */
const ACK_MESSAGES = {
  invalid_payload: t('That was not accepted. Please check your answer and try again.'),
  not_found: t('That question is no longer available.'),
  poll_closed: t('This poll is closed.'),
  forbidden: t('You are not allowed to do that.'),
  rate_limited: t('Too many tries in a short time. Please wait a moment and try again.'),
  unavailable: t('The server is busy right now. Please try again in a moment.'),
  timeout: t('No reply from the server. Check your connection and try again.'),
  disconnected: t('You are offline. Wait until the connection is back and try again.'),
};

/** A short human message for an acknowledgement error code, in the page's language. */
export function ackMessage(/** @type {string | undefined} */ code) {
  return (code && ACK_MESSAGES[code]) || t('Something went wrong. Please try again.');
}

/**
 * A live connection, the way to end it for good (retries and banner included), and the way to try
 * again after a refusal the page chose to wait out.
 * @typedef {{socket: LiveSocket, stop: () => void, retry: () => void}} Connection
 */

/**
 * What to do about a refused connection: connect again at once, wait (the page shows why and calls
 * `retry()` later), or give up for good (null).
 * @typedef {'retry' | 'wait' | null} RefusalAction
 */

/**
 * Connect to the default namespace.
 * @param {() => object} getAuth  called on every (re)connect, so the latest token is sent
 * @param {{onFatal?: (reason: Refusal) => RefusalAction, onStatus?: (connected: boolean) => void}} handlers
 *   onFatal for refused connections (without it every refusal is final); onStatus on changes
 * @returns {Connection}
 */
export function connect(getAuth, { onFatal, onStatus } = {}) {
  const banner = optionalElement('#conn-banner', HTMLElement);
  let connectedOnce = false;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let retryTimer = null;

  const setBanner = (/** @type {string} */ text) => {
    if (!banner) return;
    setText(banner, text || '');
    show(banner, Boolean(text));
  };
  const setStatus = (/** @type {boolean} */ connected) => {
    document.body.dataset.connected = connected ? 'true' : 'false';
    if (onStatus) onStatus(connected);
  };

  setStatus(false);
  /** @type {LiveSocket} */
  // WebSocket first: long-polling's handshake, connect and first poll cost three more round trips before
  // `session_state` (seconds on a slow mobile link). tryAllTransports falls back to polling where a proxy
  // or network refuses WebSocket.
  const socket = window.io({
    auth: (cb) => cb(getAuth()),
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
  });

  // Only say "Connecting…" if the first connection takes a noticeable time.
  const slowTimer = setTimeout(() => {
    if (!socket.connected && !stopped) setBanner(t('Connecting…'));
  }, 1500);

  const retryLater = () => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (!stopped && !socket.connected) socket.connect();
    }, 3000);
  };

  socket.on('connect', () => {
    connectedOnce = true;
    clearTimeout(slowTimer);
    setBanner('');
    setStatus(true);
  });

  socket.on('disconnect', (reason) => {
    setStatus(false);
    if (stopped) return;
    setBanner(t('Reconnecting…'));
    // The server closed us on purpose (e.g. a restart): the client will not retry by itself.
    if (reason === 'io server disconnect') retryLater();
  });

  socket.on('connect_error', (err) => {
    const code = err && err.message;
    if (isRefusal(code)) {
      const action = onFatal ? onFatal(/** @type {Refusal} */ (code)) : null;
      if (action === 'retry') {
        socket.connect();
      } else if (action === 'wait') {
        // The page says why on its own screen; no banner, no automatic retry until it calls retry().
        clearTimeout(slowTimer);
        setBanner('');
        setStatus(false);
      } else {
        stop();
      }
      return;
    }
    setBanner(connectedOnce ? t('Reconnecting…') : t('Connecting…'));
    setStatus(false);
    // A refusal by the server's middleware is not retried automatically; transport errors are.
    if (!socket.active) retryLater();
  });

  function stop() {
    stopped = true;
    clearTimeout(slowTimer);
    if (retryTimer) clearTimeout(retryTimer);
    setBanner('');
    socket.disconnect();
    setStatus(false);
  }

  /** Connect again after a refusal the page waited out. */
  function retry() {
    if (!stopped && !socket.connected) socket.connect();
  }

  return { socket, stop, retry };
}

/**
 * Emit with an acknowledgement; resolves to {ok: true, ...} or {ok: false, error}. Never rejects.
 * @param {LiveSocket} socket
 * @param {string} event
 * @param {object} payload
 * @returns {Promise<Ack>}
 */
export function request(socket, event, payload, timeout = 10000) {
  return new Promise((resolve) => {
    if (!socket.connected) {
      resolve({ ok: false, error: 'disconnected' });
      return;
    }
    socket.timeout(timeout).emit(event, payload, (err, response) => {
      if (err) resolve({ ok: false, error: 'timeout' });
      else if (response && typeof response === 'object') resolve(response);
      else resolve({ ok: false, error: 'invalid_response' });
    });
  });
}
