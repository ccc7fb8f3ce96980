// Presenter (projector) screen: the current slide, the join QR code and live results.
import { $, h, setText, show, setSlideHtml, plural } from './dom.js';
import { connect, request, ackMessage, fullScreenMessage, followSession } from './socket.js';
import { ResultsView, answeredLine } from './charts.js';
import { installShortcuts, toggleFullscreen } from './keys.js';

const cfg = document.body.dataset;
const canControl = cfg.canControl === 'true';

const els = {
  stage: $('#main'),
  slide: $('#stage-slide'),
  kicker: $('#stage-kicker'),
  title: $('#slide-title'),
  body: $('#slide-body'),
  poll: $('#stage-poll'),
  question: $('#poll-question'),
  pollStatus: $('#poll-status'),
  results: $('#results'),
  answered: $('#answered'),
  participants: $('#participant-count'),
  participantLabel: $('#participant-label'),
  joinPanel: $('#join-panel'),
  qrClose: $('#qr-close'),
  help: $('#help-button'),
};

const state = {
  slide: null,
  results: {},
  participants: 0,
  serverQr: false,
  localQr: null, // a local override of the QR overlay (null: follow the facilitator)
  ended: false,
};
const view = new ResultsView(els.results, { variant: 'presenter', announceEvery: 15000 });
const toast = h('p', { class: 'stage-toast', role: 'status', 'data-testid': 'toast', hidden: true });
els.stage.append(toast);
let toastTimer = null;

function say(text) {
  setText(toast, text);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.hidden = true;
  }, 4000);
}

// ---- connection --------------------------------------------------------------------------
const auth = canControl ? { session: cfg.session, key: cfg.key, view: 'presenter' } : { session: cfg.session, key: cfg.key };
const socket = connect(() => auth, {
  onFatal(reason) {
    if (reason === 'session_ended') showEnded();
    else if (reason === 'unknown_session') {
      fullScreenMessage({ title: 'Session not found', message: 'This workshop session does not exist any more.', testid: 'unknown-session', tone: 'warn' });
    } else {
      fullScreenMessage({
        title: 'Not authorised',
        message: 'This presenter link is not valid. Open the presenter screen again from the facilitator console.',
        testid: 'unauthorized',
        tone: 'warn',
      });
    }
  },
});

socket.on('session_state', (s) => {
  if (!s) return;
  if (s.session && s.session.title) document.title = `${s.session.title} · Presenter`;
  if (s.session && s.session.status === 'ended') {
    showEnded();
    return;
  }
  if (typeof s.participants === 'number') state.participants = s.participants;
  if (s.results && s.results.poll) state.results[s.results.poll] = s.results;
  state.serverQr = Boolean(s.qr_overlay);
  state.localQr = null;
  setSlide(s.slide);
});
followSession(socket, state, { setSlide, renderPoll: () => renderPoll(false), renderResults: () => renderResults() });
socket.on('participant_count', (msg) => {
  if (!msg || typeof msg.count !== 'number') return;
  state.participants = msg.count;
  renderCounts();
});
socket.on('qr_overlay', (msg) => {
  state.serverQr = Boolean(msg && msg.visible);
  state.localQr = null;
  renderJoinPanel();
});
socket.on('session_ended', () => showEnded());

// ---- rendering ---------------------------------------------------------------------------
function showEnded() {
  if (state.ended) return;
  state.ended = true;
  socket.stop();
  fullScreenMessage({ title: 'Session ended', message: 'Thank you for taking part.', testid: 'ended' });
}

function setSlide(slide) {
  if (state.ended || !slide) return;
  const previousPoll = state.slide && state.slide.poll ? state.slide.poll.id : null;
  state.slide = slide;
  els.stage.dataset.kind = slide.kind || 'content';
  els.stage.dataset.poll = slide.poll ? slide.poll.type : 'none';
  setText(els.kicker, typeof slide.index === 'number' && slide.count ? `${slide.index + 1} / ${slide.count}` : '');
  setText(els.title, slide.title || '');
  setSlideHtml(els.body, slide.html);
  show(els.body, Boolean(slide.html));
  if (slide.poll) {
    if (previousPoll !== slide.poll.id) view.reset();
    renderPoll(true);
  } else {
    show(els.poll, false);
    view.reset();
  }
  renderCounts();
  renderJoinPanel();
  fit();
}

function renderPoll(isNewSlide) {
  const poll = state.slide.poll;
  show(els.poll, true);
  setText(els.question, poll.question);
  const open = poll.status === 'open';
  setText(els.pollStatus, open ? 'Open' : 'Closed');
  els.pollStatus.dataset.status = open ? 'open' : 'closed';
  renderResults();
  if (!isNewSlide) fit();
}

function renderResults() {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  const r = state.results[poll.id];
  const total = r ? r.total || 0 : poll.total || 0;
  const key = view.key;
  if (!poll.results_visible) {
    view.showMessage(`Results hidden — ${plural(total, 'answer')} so far`);
  } else if (!r) {
    view.showMessage('No answers yet');
  } else if (r.suppressed) {
    const n = r.needed || 0;
    view.showMessage(`${n} more ${n === 1 ? 'answer' : 'answers'} needed before results are shown`);
  } else {
    view.showChart(poll, r);
    if (key !== view.key) fit();
    fitCloud();
  }
  renderCounts();
}

function renderCounts() {
  setText(els.participants, state.participants);
  setText(els.participantLabel, 'joined');
  const poll = state.slide && state.slide.poll;
  show(els.answered, Boolean(poll));
  if (poll) {
    const r = state.results[poll.id];
    setText(els.answered, answeredLine(r ? r.total || 0 : poll.total || 0, state.participants));
  }
}

function qrVisible() {
  return state.localQr !== null ? state.localQr : state.serverQr;
}

function renderJoinPanel() {
  const kind = state.slide ? state.slide.kind : 'content';
  const mode = kind === 'join' ? 'join' : qrVisible() ? 'overlay' : 'corner';
  if (els.joinPanel.dataset.mode !== mode) els.joinPanel.dataset.mode = mode;
  show(els.qrClose, mode === 'overlay');
  document.body.classList.toggle('has-overlay', mode === 'overlay');
}

/** Shrink the slide's type until it fits the 16:9 stage (long slides, many options). */
function overflows() {
  const el = els.slide;
  if (el.scrollHeight > el.clientHeight + 1) return true;
  // Charts live in a flexible box that clips; a bar chart or list must fit in it entirely.
  const box = els.results;
  const chart = box.querySelector('.bars, .answer-list, .scale-chart');
  return Boolean(chart && !els.poll.hidden && box.scrollHeight > box.clientHeight + 1);
}

function fit() {
  let scale = 1;
  els.stage.style.setProperty('--fit', '1');
  for (let i = 0; i < 10 && overflows() && scale > 0.55; i += 1) {
    scale -= 0.05;
    els.stage.style.setProperty('--fit', scale.toFixed(2));
  }
  fitCloud();
}

/** Keep the word cloud inside its box as it grows. */
function fitCloud() {
  const cloud = els.results.querySelector('.cloud');
  if (!cloud || cloud.offsetParent === null) return;
  const box = els.results;
  let scale = Number(cloud.style.getPropertyValue('--cloud-fit')) || 1;
  // Grow back a little when there is room, shrink while it overflows.
  if (scale < 1 && box.scrollHeight <= box.clientHeight) {
    scale = Math.min(1, scale + 0.1);
    cloud.style.setProperty('--cloud-fit', scale.toFixed(2));
  }
  for (let i = 0; i < 12 && box.scrollHeight > box.clientHeight + 1 && scale > 0.4; i += 1) {
    scale -= 0.05;
    cloud.style.setProperty('--cloud-fit', scale.toFixed(2));
  }
}

window.addEventListener('resize', () => fit());

// ---- controls ----------------------------------------------------------------------------
async function control(event, payload) {
  const res = await request(socket, event, payload);
  if (!res.ok) say(ackMessage(res.error));
  return res;
}

function toggleQr() {
  if (canControl) {
    control('set_qr_overlay', { visible: !qrVisible() });
  } else {
    state.localQr = !qrVisible();
    renderJoinPanel();
  }
}

els.qrClose.addEventListener('click', () => {
  if (canControl && state.serverQr) control('set_qr_overlay', { visible: false });
  state.localQr = false;
  renderJoinPanel();
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && qrVisible() && !document.querySelector('dialog[open]')) {
    els.qrClose.click();
  }
});

const actions = { toggleQr, fullscreen: toggleFullscreen };
if (canControl) {
  Object.assign(actions, {
    next() {
      const s = state.slide;
      if (s && s.index + 1 < s.count) control('go_to_slide', { index: s.index + 1 });
    },
    prev() {
      const s = state.slide;
      if (s && s.index > 0) control('go_to_slide', { index: s.index - 1 });
    },
    togglePoll() {
      const poll = state.slide && state.slide.poll;
      if (poll) control(poll.status === 'open' ? 'close_poll' : 'open_poll', { poll: poll.id });
    },
    toggleResults() {
      const poll = state.slide && state.slide.poll;
      if (poll) control('set_results_visible', { poll: poll.id, visible: !poll.results_visible });
    },
  });
}
const shortcuts = installShortcuts(actions);
els.help.addEventListener('click', () => shortcuts.openHelp());
