// The rehearse page: a practice session's presenter screen, console and a phone on one screen, so one person can
// click through a deck alone. The three are the real pages in frames; this page scales the phone to fit, sends
// the console's shortcut keys on to it, and has its own facilitator connection to end the practice and to hear
// when it ends (from any of its screens, or the server's idle limit).
import { element, h, isTyping, setText } from './dom.js';
import { ackMessage, connect, request } from './socket.js';
import { fullScreenMessage } from './full-screen-message.js';
import { t } from './i18n.js';

const cfg = document.body.dataset;

const els = {
  title: element('#rehearse-title', HTMLElement),
  message: element('#rehearse-message', HTMLElement),
  shortcuts: element('#rehearse-shortcuts', HTMLButtonElement),
  reloadPhone: element('#reload-phone', HTMLButtonElement),
  end: element('#end-practice', HTMLButtonElement),
  console: element('#console-frame', HTMLIFrameElement),
  presenter: element('#presenter-frame', HTMLIFrameElement),
  phone: element('#phone-frame', HTMLIFrameElement),
  phonePane: element('.phone-box', HTMLElement),
  grid: element('#main', HTMLElement),
};

let ended = false;
let connected = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let messageTimer;

/** A short line in the bar; errors stay a little longer. */
function note(/** @type {string} */ text, kind = 'info') {
  setText(els.message, text);
  els.message.dataset.kind = kind;
  clearTimeout(messageTimer);
  if (text) messageTimer = setTimeout(() => setText(els.message, ''), kind === 'error' ? 10000 : 4000);
}

// ---- the panes ------------------------------------------------------------------------------
// Each frame covers its "Loading…" line once its page is there.
for (const frame of [els.console, els.presenter, els.phone]) {
  frame.addEventListener('load', () => {
    if (frame.parentElement) frame.parentElement.dataset.loaded = 'true';
  });
}

// The phone is laid out at a phone's size (390 x 844 CSS pixels, as the room's phones are) and scaled down to
// its pane: drawn narrower, its page would lay itself out for a screen no phone has. The scale also sets the
// phone's column (rehearse.css), so it comes from what does not depend on it: the grid's width and, side by
// side, the pane's height (the grid's rows); stacked (narrow windows), the phone's row follows the scale.
const PHONE = { width: 390, height: 844 };
const BEZEL = 12; // the phone's dark edge, drawn outside its box
const stacked = window.matchMedia('(max-width: 900px)');
function fitPhone() {
  if (ended) return;
  const grid = getComputedStyle(els.grid);
  const width = els.grid.clientWidth - parseFloat(grid.paddingLeft) - parseFloat(grid.paddingRight);
  let scale = Math.min(1, (stacked.matches ? width - 2 * BEZEL : width * 0.4) / PHONE.width);
  if (!stacked.matches) {
    const pane = getComputedStyle(els.phonePane);
    const height = els.phonePane.clientHeight - parseFloat(pane.paddingTop) - parseFloat(pane.paddingBottom) - BEZEL;
    scale = Math.min(scale, height / PHONE.height);
  }
  els.grid.style.setProperty('--phone-scale', Math.max(0.25, scale).toFixed(4));
}
const resized = new ResizeObserver(fitPhone);
resized.observe(els.grid);
resized.observe(els.phonePane);
fitPhone();

els.reloadPhone.addEventListener('click', () => {
  if (ended || !els.phone.contentWindow) return;
  if (els.phone.parentElement) delete els.phone.parentElement.dataset.loaded;
  els.phone.contentWindow.location.reload();
  note(t('The phone reloads, as a phone does after its screen went dark.'));
});

// ---- keys -----------------------------------------------------------------------------------
/**
 * Hand a key to the console's shortcuts (keys.js listens on its document), as if pressed there.
 * @param {string} key
 * @returns {boolean} whether the console used it
 */
function sendToConsole(key) {
  const win = els.console.contentWindow;
  const doc = els.console.contentDocument;
  if (!win || !doc || !doc.body) return false;
  // An event of the frame's own realm, so the console's checks (instanceof) read it as their own.
  const KeyEvent = /** @type {Window & typeof globalThis} */ (win).KeyboardEvent;
  const copy = new KeyEvent('keydown', { key, bubbles: true, cancelable: true });
  doc.dispatchEvent(copy);
  return copy.defaultPrevented;
}

// Keys pressed on this page (its bar, or between the panes) go to the console; keys pressed in a frame stay
// there: the console and the presenter screen (opened by the facilitator) have the same shortcuts, and the
// phone needs its keys for typing answers.
document.addEventListener('keydown', (event) => {
  if (ended || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event.target)) return;
  const onControl = event.target instanceof Element && event.target.closest('button, a, summary, [role="button"]');
  if (onControl && [' ', 'Spacebar', 'Enter'].includes(event.key)) return; // that presses the control
  if (sendToConsole(event.key)) event.preventDefault();
});

els.shortcuts.addEventListener('click', () => {
  if (!sendToConsole('?')) note(t('The console is still loading; try again in a moment.'), 'error');
});

// ---- the connection, and the end --------------------------------------------------------------
const { socket, stop } = connect(() => ({ session: cfg.session, key: cfg.key }), {
  onFatal(reason) {
    if (reason === 'unauthorized') {
      showScreen({
        title: t('Not authorised'),
        message: t('This rehearsal link is not valid. Start a practice from the deck library again.'),
        testid: 'unauthorized',
      });
    } else {
      showEnded(); // ended, or already deleted (a reload after the end)
    }
    return null;
  },
  onStatus(isConnected) {
    connected = isConnected;
    els.end.disabled = !connected || ended;
  },
});

socket.on('session_state', (state) => {
  if (!state || !state.session) return;
  if (state.session.status === 'ended') {
    showEnded();
    return;
  }
  if (state.session.title) {
    setText(els.title, state.session.title);
    document.title = t('Rehearse: {title}', { title: state.session.title });
  }
});
socket.on('session_ended', () => showEnded());

els.end.addEventListener('click', async () => {
  if (ended || !connected) return;
  // eslint-disable-next-line no-alert
  if (!window.confirm(t('End this practice session? Everything in it is deleted now.'))) return;
  els.end.disabled = true;
  note(t('Ending the practice…'));
  const ack = await request(socket, 'end_session', {});
  if (ack.ok) {
    showEnded();
  } else {
    els.end.disabled = !connected;
    note(ackMessage(ack.error), 'error');
  }
});

/**
 * Replace the panes with a message; the frames go with them, and so do their connections.
 * @param {import('./full-screen-message.js').MessageScreen} screen
 */
function showScreen(screen) {
  ended = true;
  clearTimeout(messageTimer);
  resized.disconnect();
  stop();
  fullScreenMessage({ link: { href: '/', text: t('Back to the start page') }, ...screen });
}

function showEnded() {
  if (ended) return;
  const again = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'rehearse-again' }, t('Rehearse again'));
  const problem = h('p', { class: 'alert alert-error', role: 'alert', 'data-testid': 'rehearse-again-error', hidden: true });
  again.addEventListener('click', () => rehearseAgain(again, problem));
  showScreen({
    title: t('Practice ended'),
    message: t('Everything this practice session held has been deleted: its answers, questions and reactions.'),
    testid: 'practice-ended',
    extra: h('div', { class: 'rehearse-again' }, problem, h('p', {}, again)),
  });
}

/** Start a new practice session of the same deck and go to its rehearse page. */
async function rehearseAgain(/** @type {HTMLButtonElement} */ button, /** @type {HTMLElement} */ problem) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  setText(button, t('Starting…'));
  problem.hidden = true;
  let failure = '';
  try {
    const response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ deck: cfg.deck, practice: true }),
      credentials: 'same-origin',
    });
    /** @type {{rehearse_url?: string, message?: string} | null} */
    const body = await response.json().catch(() => null);
    if (response.status === 201 && body && body.rehearse_url) {
      // Same origin as this page: the public URL may name another address of this machine.
      const target = new URL(body.rehearse_url);
      window.location.href = target.pathname + target.search;
      return;
    }
    if (response.status === 401 || response.status === 403) {
      failure = t('Starting a practice needs your facilitator sign-in. Open the facilitator link printed by workshop serve, then try again.');
    } else if (response.status === 404) {
      failure = t('This deck no longer exists.');
    } else {
      failure = (body && body.message) || t('The practice could not be started (error {status}).', { status: response.status });
    }
  } catch {
    failure = t('Could not reach the server. Check that it is still running, then try again.');
  }
  setText(problem, failure);
  problem.hidden = false;
  setText(button, label);
  button.disabled = false;
  button.removeAttribute('aria-busy');
}
