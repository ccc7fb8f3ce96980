// Socket.IO connection helper shared by every live page: connection banner, refused-connection
// screens, and acknowledged emits that always resolve (with a timeout instead of hanging).
import { $, h, setText, show } from './dom.js';

export const FATAL_ERRORS = ['unknown_session', 'unauthorized', 'session_ended'];

const ACK_MESSAGES = {
  invalid_payload: 'That was not accepted. Please check your answer and try again.',
  not_found: 'That question is no longer available.',
  poll_closed: 'This poll is closed.',
  forbidden: 'You are not allowed to do that.',
  rate_limited: 'Too many tries in a short time. Please wait a moment and try again.',
  unavailable: 'The server is busy right now. Please try again in a moment.',
  timeout: 'No reply from the server. Check your connection and try again.',
  disconnected: 'You are offline. Wait until the connection is back and try again.',
};

/** A short human message for an acknowledgement error code. */
export function ackMessage(code) {
  return ACK_MESSAGES[code] || 'Something went wrong. Please try again.';
}

/**
 * Connect to the default namespace.
 * @param {() => object} getAuth  called on every (re)connect, so the latest token is sent
 * @param {object} opts  onFatal(code) for refused connections; onStatus(connected) on changes
 */
export function connect(getAuth, { onFatal, onStatus } = {}) {
  const banner = $('#conn-banner');
  let connectedOnce = false;
  let stopped = false;
  let retryTimer = null;

  const setBanner = (text) => {
    if (!banner) return;
    setText(banner, text || '');
    show(banner, Boolean(text));
  };
  const setStatus = (connected) => {
    document.body.dataset.connected = connected ? 'true' : 'false';
    if (onStatus) onStatus(connected);
  };

  setStatus(false);
  const socket = window.io({ auth: (cb) => cb(getAuth()) });

  // Only say "Connecting…" if the first connection takes a noticeable time.
  const slowTimer = setTimeout(() => {
    if (!socket.connected && !stopped) setBanner('Connecting…');
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
    setBanner('Reconnecting…');
    // The server closed us on purpose (e.g. a restart): the client will not retry by itself.
    if (reason === 'io server disconnect') retryLater();
  });

  socket.on('connect_error', (err) => {
    const code = err && err.message;
    if (FATAL_ERRORS.includes(code)) {
      if (onFatal && onFatal(code) === 'retry') {
        socket.connect();
        return;
      }
      stop();
      return;
    }
    setBanner(connectedOnce ? 'Reconnecting…' : 'Connecting…');
    setStatus(false);
    // A refusal by the server's middleware is not retried automatically; transport errors are.
    if (!socket.active) retryLater();
  });

  function stop() {
    stopped = true;
    clearTimeout(slowTimer);
    clearTimeout(retryTimer);
    setBanner('');
    socket.disconnect();
    setStatus(false);
  }

  socket.stop = stop;
  return socket;
}

/** Emit with an acknowledgement; resolves to {ok: true, ...} or {ok: false, error}. Never rejects. */
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

/**
 * Replace the page's main content with a full-screen message (ended, unknown code, bad link).
 * Keeps exactly one <h1> on the page.
 */
export function fullScreenMessage({ title, message, testid = 'fatal', link = null, tone = 'info' }) {
  const main = $('main') || document.body;
  const section = h(
    'section',
    { class: `full-message tone-${tone}`, 'data-testid': testid, role: 'status' },
    h('h1', { class: 'full-message-title', tabindex: '-1' }, title),
    message ? h('p', { class: 'full-message-text' }, message) : null,
    link ? h('p', {}, h('a', { class: 'btn btn-secondary', href: link.href }, link.text)) : null,
  );
  main.replaceChildren(section);
  // The console's <main> sits inside its two-column layout, which is hidden below.
  if (main.parentElement && main.parentElement.closest('.hide-on-message')) document.body.append(main);
  main.classList.add('main-message');
  document.body.classList.add('has-full-message');
  for (const el of document.querySelectorAll('.hide-on-message')) el.hidden = true;
  const heading = section.querySelector('h1');
  if (heading) heading.focus({ preventScroll: true });
  return section;
}

/**
 * The slide, poll and results bookkeeping every page shares: keeps `state.slide` and `state.results`
 * current and calls the page's renderers. A poll change or results for another poll are ignored.
 */
export function followSession(socket, state, { setSlide, renderPoll, renderResults }) {
  const isCurrent = (pollId) => Boolean(state.slide && state.slide.poll && state.slide.poll.id === pollId);
  socket.on('slide_changed', (slide) => setSlide(slide));
  socket.on('poll_changed', (poll) => {
    if (!poll || !isCurrent(poll.id)) return;
    state.slide.poll = { ...state.slide.poll, ...poll };
    renderPoll();
  });
  socket.on('results_updated', (results) => {
    if (!results || !results.poll) return;
    state.results[results.poll] = results;
    if (isCurrent(results.poll)) renderResults();
  });
}
