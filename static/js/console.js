// Facilitator console: step through slides, run polls, moderate text answers, end the session.
import { $, h, setText, show, setSlideHtml } from './dom.js';
import { connect, request, ackMessage, fullScreenMessage, followSession } from './socket.js';
import { ResultsView, ModerationList, answeredLine } from './charts.js';
import { installShortcuts, toggleFullscreen } from './keys.js';

const cfg = document.body.dataset;

const els = {
  sessionTitle: $('#session-title'),
  participants: $('#participant-count'),
  connState: $('#conn-state'),
  connText: $('#conn-text'),
  openPresenter: $('#open-presenter'),
  qrToggle: $('#qr-toggle'),
  help: $('#help-button'),
  end: $('#end-session'),
  slideList: $('#slide-list'),
  pos: $('#slide-pos'),
  title: $('#slide-title'),
  prev: $('#prev'),
  next: $('#next'),
  message: $('#control-message'),
  notes: $('#notes'),
  slideHtml: $('#slide-html'),
  noPoll: $('#no-poll'),
  pollBox: $('#poll-box'),
  pollType: $('#poll-type'),
  pollStatus: $('#poll-status'),
  question: $('#poll-question'),
  openPoll: $('#open-poll'),
  closePoll: $('#close-poll'),
  toggleResults: $('#toggle-results'),
  textView: $('#text-view-controls'),
  viewCloud: $('#view-cloud'),
  viewList: $('#view-list'),
  answered: $('#answered'),
  visibility: $('#visibility-note'),
  results: $('#results'),
  moderation: $('#moderation'),
  moderationList: $('#moderation-list'),
};

const TYPE_NAMES = { single: 'Single choice', multiple: 'Multiple choice', scale: 'Scale', text: 'Text' };

const state = {
  slide: null,
  slides: [],
  results: {},
  participants: 0,
  qr: false,
  connected: false,
  ended: false,
  busy: new Set(), // buttons waiting for an acknowledgement
};
const preview = new ResultsView(els.results, { variant: 'console', announceEvery: 20000 });
const moderation = new ModerationList(els.moderationList, moderate);
let slideItems = [];
let messageTimer = null;

function note(text, kind = 'info') {
  setText(els.message, text);
  els.message.dataset.kind = kind;
  clearTimeout(messageTimer);
  if (text) {
    messageTimer = setTimeout(() => setText(els.message, ''), kind === 'error' ? 8000 : 4000);
  }
}

// ---- connection --------------------------------------------------------------------------
const socket = connect(() => ({ session: cfg.session, key: cfg.key }), {
  onFatal(reason) {
    if (reason === 'session_ended') showEnded();
    else if (reason === 'unknown_session') {
      fullScreenMessage({
        title: 'Session not found',
        message: 'This workshop session does not exist (any more).',
        testid: 'unknown-session',
        link: { href: '/', text: 'Back to the start page' },
        tone: 'warn',
      });
    } else {
      fullScreenMessage({
        title: 'Not authorised',
        message: 'This console link is not valid. Use the facilitator link from the start page.',
        testid: 'unauthorized',
        link: { href: '/', text: 'Back to the start page' },
        tone: 'warn',
      });
    }
  },
  onStatus(connected) {
    state.connected = connected;
    els.connState.dataset.state = connected ? 'online' : 'offline';
    setText(els.connText, connected ? 'Connected' : 'Reconnecting…');
    renderControls();
  },
});

socket.on('session_state', (s) => {
  if (!s) return;
  if (s.session) {
    if (s.session.title) {
      setText(els.sessionTitle, s.session.title);
      document.title = `${s.session.title} · Console`;
    }
    if (s.session.status === 'ended') {
      showEnded();
      return;
    }
  }
  if (Array.isArray(s.slides)) setSlides(s.slides);
  if (typeof s.participants === 'number') state.participants = s.participants;
  if (s.results && s.results.poll) state.results[s.results.poll] = s.results;
  state.qr = Boolean(s.qr_overlay);
  setSlide(s.slide);
});
followSession(socket, state, { setSlide, renderPoll: () => renderPoll(), renderResults: () => renderResults() });
socket.on('participant_count', (msg) => {
  if (!msg || typeof msg.count !== 'number') return;
  state.participants = msg.count;
  renderCounts();
});
socket.on('qr_overlay', (msg) => {
  state.qr = Boolean(msg && msg.visible);
  renderControls();
});
socket.on('session_ended', () => showEnded());

// ---- rendering ---------------------------------------------------------------------------
function showEnded() {
  if (state.ended) return;
  state.ended = true;
  socket.stop();
  fullScreenMessage({
    title: 'Session ended',
    message: 'Participants now see a thank-you screen. The anonymised results stay available to the organiser.',
    testid: 'ended',
    link: { href: '/', text: 'Back to the start page' },
  });
}

function setSlides(slides) {
  state.slides = slides;
  slideItems = slides.map((s, i) => {
    const index = typeof s.index === 'number' ? s.index : i;
    const button = h(
      'button',
      {
        type: 'button',
        class: 'slide-item needs-connection',
        'data-testid': 'slide-item',
        dataset: { index },
        onclick: () => goTo(index),
      },
      h('span', { class: 'slide-num' }, String(index + 1)),
      h('span', { class: 'slide-name' }, s.title || (s.kind === 'join' ? 'Join screen' : 'Untitled')),
      s.kind === 'join' ? h('span', { class: 'slide-tag tag-join' }, 'QR') : null,
      s.poll
        ? h(
            'span',
            { class: 'slide-tag tag-poll', title: `Poll: ${TYPE_NAMES[s.poll.type] || s.poll.type}` },
            h('span', { 'aria-hidden': 'true' }, '▮▮ '),
            'Poll',
            h('span', { class: 'visually-hidden' }, ` (${TYPE_NAMES[s.poll.type] || s.poll.type})`),
          )
        : null,
    );
    return h('li', {}, button);
  });
  els.slideList.replaceChildren(...slideItems);
  renderControls();
}

function setSlide(slide) {
  if (state.ended || !slide) return;
  const previousPoll = state.slide && state.slide.poll ? state.slide.poll.id : null;
  state.slide = slide;
  setText(els.pos, `Slide ${slide.index + 1} of ${slide.count}`);
  setText(els.title, slide.title || (slide.kind === 'join' ? 'Join screen' : 'Untitled'));
  const listed = state.slides.find((s, i) => (typeof s.index === 'number' ? s.index : i) === slide.index);
  const notes = slide.notes !== undefined && slide.notes !== null ? slide.notes : listed ? listed.notes : '';
  if (notes && String(notes).trim()) {
    setText(els.notes, String(notes).trim());
    els.notes.classList.remove('is-empty');
  } else {
    setText(els.notes, 'No notes for this slide.');
    els.notes.classList.add('is-empty');
  }
  setSlideHtml(els.slideHtml, slide.kind === 'join' && !slide.html ? '<p>Full-screen QR code and join code.</p>' : slide.html);

  for (const li of slideItems) {
    const button = li.firstChild;
    const current = Number(button.dataset.index) === slide.index;
    if (current) button.setAttribute('aria-current', 'step');
    else button.removeAttribute('aria-current');
    if (current) button.scrollIntoView({ block: 'nearest' });
  }

  if (!slide.poll) {
    show(els.noPoll, true);
    show(els.pollBox, false);
    preview.reset();
    moderation.reset();
  } else {
    if (previousPoll !== slide.poll.id) {
      preview.reset();
      moderation.reset();
    }
    show(els.noPoll, false);
    show(els.pollBox, true);
    renderPoll();
  }
  renderControls();
}

function renderPoll() {
  const poll = state.slide.poll;
  setText(els.pollType, TYPE_NAMES[poll.type] || poll.type);
  setText(els.question, poll.question);
  const open = poll.status === 'open';
  setText(els.pollStatus, open ? 'Open' : 'Closed');
  els.pollStatus.dataset.status = open ? 'open' : 'closed';
  setText(els.toggleResults, poll.results_visible ? 'Hide results' : 'Show results');
  els.toggleResults.dataset.visible = poll.results_visible ? 'true' : 'false';
  setText(
    els.visibility,
    poll.results_visible ? '· Results are on the screen and phones' : '· Results are hidden from the room',
  );
  const isText = poll.type === 'text';
  show(els.textView, isText);
  show(els.moderation, isText);
  if (isText) {
    const v = poll.view || 'cloud';
    els.viewCloud.setAttribute('aria-pressed', v === 'cloud' ? 'true' : 'false');
    els.viewList.setAttribute('aria-pressed', v === 'list' ? 'true' : 'false');
  }
  renderResults();
  renderControls();
}

function renderResults() {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  const r = state.results[poll.id];
  if (!r || !r.total) {
    preview.showMessage('No answers yet', null);
  } else if (r.suppressed) {
    const n = r.needed || 0;
    preview.showMessage(`Waiting for ${n} more ${n === 1 ? 'answer' : 'answers'} (results need at least ${r.min_responses || n} answers)`);
  } else {
    preview.showChart(poll, r);
  }
  if (poll.type === 'text') moderation.update(poll, r && !r.suppressed ? r : { answers: [] });
  renderCounts();
}

function renderCounts() {
  setText(els.participants, state.participants);
  const poll = state.slide && state.slide.poll;
  if (poll) {
    const r = state.results[poll.id];
    setText(els.answered, answeredLine(r ? r.total || 0 : poll.total || 0, state.participants));
  }
}

function renderControls() {
  const live = state.connected && !state.ended;
  for (const el of document.querySelectorAll('.needs-connection')) el.disabled = !live || state.busy.has(el.id);
  const slide = state.slide;
  if (slide) {
    if (slide.index <= 0) els.prev.disabled = true;
    if (slide.index >= slide.count - 1) els.next.disabled = true;
    const poll = slide.poll;
    if (poll) {
      if (poll.status === 'open') els.openPoll.disabled = true;
      else els.closePoll.disabled = true;
    }
  }
  setText(els.qrToggle, state.qr ? 'Hide QR on screen' : 'Show QR on screen');
  els.qrToggle.setAttribute('aria-pressed', state.qr ? 'true' : 'false');
}

// ---- actions -----------------------------------------------------------------------------
async function act(button, event, payload, success) {
  if (button) {
    state.busy.add(button.id);
    renderControls();
  }
  const res = await request(socket, event, payload);
  if (button) {
    state.busy.delete(button.id);
  }
  if (res.ok) {
    if (success) success(res);
  } else {
    note(ackMessage(res.error), 'error');
  }
  renderControls();
  return res;
}

function goTo(index) {
  const slide = state.slide;
  if (!slide || index < 0 || index >= slide.count || index === slide.index) return;
  act(null, 'go_to_slide', { index });
}

const step = (delta) => state.slide && goTo(state.slide.index + delta);

function togglePoll() {
  const poll = state.slide && state.slide.poll;
  if (!poll || !state.connected) return;
  if (poll.status === 'open') {
    act(els.closePoll, 'close_poll', { poll: poll.id }, () => {
      poll.status = 'closed';
      renderPoll();
    });
  } else {
    act(els.openPoll, 'open_poll', { poll: poll.id }, () => {
      poll.status = 'open';
      renderPoll();
    });
  }
}

function toggleResults() {
  const poll = state.slide && state.slide.poll;
  if (!poll || !state.connected) return;
  const visible = !poll.results_visible;
  act(els.toggleResults, 'set_results_visible', { poll: poll.id, visible }, () => {
    poll.results_visible = visible;
    renderPoll();
  });
}

function setView(view) {
  const poll = state.slide && state.slide.poll;
  if (!poll || poll.type !== 'text' || (poll.view || 'cloud') === view) return;
  act(view === 'cloud' ? els.viewCloud : els.viewList, 'set_text_view', { poll: poll.id, view }, () => {
    poll.view = view;
    renderPoll();
  });
}

function toggleQr() {
  if (!state.connected) return;
  const visible = !state.qr;
  act(els.qrToggle, 'set_qr_overlay', { visible }, () => {
    state.qr = visible;
  });
}

async function moderate(pollId, text, hidden) {
  const res = await act(null, 'hide_answer', { poll: pollId, text, hidden });
  if (res.ok) {
    const r = state.results[pollId];
    if (r && Array.isArray(r.answers)) {
      for (const a of r.answers) if (a.text === text) a.hidden = hidden;
      renderResults();
    }
    note(hidden ? 'Answer hidden from the room.' : 'Answer shown again.');
  }
}

function endSession() {
  if (!state.connected || state.ended) return;
  // eslint-disable-next-line no-alert
  if (!window.confirm('End this session for everyone? Phones will show a thank-you screen and no more answers can be given.')) return;
  act(els.end, 'end_session', {}, () => showEnded());
}

els.prev.addEventListener('click', () => step(-1));
els.next.addEventListener('click', () => step(1));
els.openPoll.addEventListener('click', togglePoll);
els.closePoll.addEventListener('click', togglePoll);
els.toggleResults.addEventListener('click', toggleResults);
els.viewCloud.addEventListener('click', () => setView('cloud'));
els.viewList.addEventListener('click', () => setView('list'));
els.qrToggle.addEventListener('click', toggleQr);
els.end.addEventListener('click', endSession);
els.openPresenter.addEventListener('click', () => {
  const w = window.open(cfg.presenterUrl, 'workshop-presenter', 'popup,width=1280,height=720');
  if (w) {
    try {
      w.opener = null;
    } catch {
      /* ignore */
    }
    w.focus();
  } else {
    note('Your browser blocked the new window. Allow pop-ups for this page, or open the presenter link yourself.', 'error');
  }
});

const shortcuts = installShortcuts({
  next: () => step(1),
  prev: () => step(-1),
  togglePoll,
  toggleResults,
  toggleQr,
  fullscreen: toggleFullscreen,
});
els.help.addEventListener('click', () => shortcuts.openHelp());
renderControls();
