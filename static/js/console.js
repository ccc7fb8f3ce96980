// Facilitator console: step through slides, run polls, moderate text answers, end the session.
import { pollState } from './poll-status.js';
import { $$, element, h, setText, show, setSlideHtml } from './dom.js';
import { request, ackMessage } from './socket.js';
import { followSession } from './follower.js';
import { ModerationList } from './charts.js';
import { ResultsView, answeredLine, heldBack, releaseHint, releasedTotal, suppressedMessage } from './results-view.js';
import { pollType } from './polls/index.js';
import { installShortcuts, toggleFullscreen } from './keys.js';
import { consoleReactions } from './reactions/console.js';
import { Countdown, clock } from './countdown.js';
import { createConsoleQuestions } from './questions/console.js';
import { t, nt, formatNumber, isolate } from './i18n.js';

/** @import { Ack, ParticipantCount, RoomState, Slide, SlideOutline, Timer } from './types.js' */
/** @import { FollowedState } from './follower.js' */

const cfg = document.body.dataset;
// A practice session (the rehearse page): ending it deletes everything, and no organiser ever sees it.
const practice = cfg.practice === 'true';

const els = {
  sessionTitle: element('#session-title', HTMLElement),
  participants: element('#participant-count', HTMLElement),
  roomJoined: element('#room-joined', HTMLElement),
  roomStatus: element('#room-status', HTMLElement),
  roomLock: element('#room-lock', HTMLButtonElement),
  capForm: element('#room-cap-form', HTMLFormElement),
  cap: element('#room-cap', HTMLInputElement),
  capSet: element('#room-cap-set', HTMLButtonElement),
  capError: element('#room-cap-error', HTMLElement),
  joinBurst: element('#join-burst', HTMLElement),
  connState: element('#conn-state', HTMLElement),
  connText: element('#conn-text', HTMLElement),
  openPresenter: element('#open-presenter', HTMLButtonElement),
  qrToggle: element('#qr-toggle', HTMLButtonElement),
  blankToggle: element('#blank-toggle', HTMLButtonElement),
  help: element('#help-button', HTMLButtonElement),
  end: element('#end-session', HTMLButtonElement),
  slideList: element('#slide-list', HTMLElement),
  pos: element('#slide-pos', HTMLElement),
  title: element('#slide-title', HTMLElement),
  nextUp: element('#next-up', HTMLElement),
  prev: element('#prev', HTMLButtonElement),
  next: element('#next', HTMLButtonElement),
  message: element('#control-message', HTMLElement),
  notes: element('#notes', HTMLElement),
  slideHtml: element('#slide-html', HTMLElement),
  noPoll: element('#no-poll', HTMLElement),
  pollMeta: element('#poll-meta', HTMLElement),
  pollBox: element('#poll-box', HTMLElement),
  pollType: element('#poll-type', HTMLElement),
  pollStatus: element('#poll-status', HTMLElement),
  question: element('#poll-question', HTMLElement),
  openPoll: element('#open-poll', HTMLButtonElement),
  closePoll: element('#close-poll', HTMLButtonElement),
  toggleResults: element('#toggle-results', HTMLButtonElement),
  viewControls: element('#text-view-controls', HTMLElement),
  viewCloud: element('#view-cloud', HTMLButtonElement),
  viewList: element('#view-list', HTMLButtonElement),
  answered: element('#answered', HTMLElement),
  releaseHint: element('#release-hint', HTMLElement),
  visibility: element('#visibility-note', HTMLElement),
  results: element('#results', HTMLElement),
  moderation: element('#moderation', HTMLElement),
  moderationList: element('#moderation-list', HTMLElement),
  resetPoll: element('#reset-poll', HTMLButtonElement),
  timerLength: element('#timer-length', HTMLInputElement),
  timerStart: element('#timer-start', HTMLButtonElement),
  timerStop: element('#timer-stop', HTMLButtonElement),
  timerError: element('#timer-error', HTMLElement),
  header: element('.console-header', HTMLElement),
  nav: element('.slide-nav', HTMLElement),
};

/** The view switch's buttons by the view they choose (the template has cloud and list). */
const VIEW_BUTTONS = { cloud: els.viewCloud, list: els.viewList };

/**
 * @typedef {object} ConsoleOwnState
 * @property {SlideOutline[]} slides  the deck's outline, for the slide list
 * @property {number} participants  phones connected now
 * @property {RoomState} room  joined so far, lock, cap, refused joins (its count is `participants`)
 * @property {boolean} capEdited  the cap field holds a value not yet set, so server news leave it alone
 * @property {boolean} qr  the big QR code is on the presenter screen
 * @property {boolean} blank  the presenter screen is blanked
 * @property {number} minResponses  k: results are released in snapshots of at least this many people
 * @property {boolean} connected
 * @property {Set<string>} busy  ids of buttons waiting for an acknowledgement
 * @property {Timer | null} timer  the countdown as last told (running includes "Time's up")
 * @property {boolean} timerEdited  the length field holds the facilitator's own value, so slides leave it alone
 */
/** @type {FollowedState & ConsoleOwnState} */
const state = {
  slide: null,
  slides: [],
  results: {},
  participants: 0,
  room: { count: 0, joined: 0, locked: false, cap: 0, refused_joins: 0 },
  capEdited: false,
  qr: false,
  blank: false,
  minResponses: 1,
  connected: false,
  ended: false,
  busy: new Set(),
  timer: null,
  timerEdited: false,
};
const preview = new ResultsView(els.results, { variant: 'console', announceEvery: 20000 });
const moderation = new ModerationList(els.moderationList, moderate);
const countdown = new Countdown();
element('#console-timer', HTMLElement).append(...countdown.parts());
/** @type {HTMLButtonElement[]} */
let slideButtons = [];
/** @type {ReturnType<typeof setTimeout> | undefined} */
let messageTimer;

/** A short message under the step buttons; errors stay a little longer. */
function note(/** @type {string} */ text, kind = 'info') {
  setText(els.message, text);
  els.message.dataset.kind = kind;
  clearTimeout(messageTimer);
  if (text) {
    messageTimer = setTimeout(() => setText(els.message, ''), kind === 'error' ? 8000 : 4000);
  }
}

// ---- connection --------------------------------------------------------------------------
const home = { href: '/', text: t('Back to the start page') };
const follower = followSession(state, {
  auth: () => ({ session: cfg.session, key: cfg.key }),
  titleSuffix: t('Console'),
  screens: {
    session_ended: practice
      ? { title: t('Practice ended'), message: t('Everything this practice session held has been deleted.'), testid: 'ended', link: home }
      : {
          title: t('Session ended'),
          message: t('Participants now see a thank-you screen. The anonymised results stay available to the organiser.'),
          testid: 'ended',
          link: home,
        },
    unknown_session: {
      title: t('Session not found'),
      message: t('This workshop session does not exist (any more).'),
      testid: 'unknown-session',
      link: home,
      tone: 'warn',
    },
    unauthorized: {
      title: t('Not authorised'),
      message: t('This console link is not valid. Use the facilitator link from the start page.'),
      testid: 'unauthorized',
      link: home,
      tone: 'warn',
    },
  },
  onStatus(connected) {
    state.connected = connected;
    els.connState.dataset.state = connected ? 'online' : 'offline';
    setText(els.connText, connected ? t('Connected') : t('Reconnecting…'));
    renderControls();
  },
  onState(s) {
    if (s.session && s.session.title) setText(els.sessionTitle, s.session.title);
    if (Array.isArray(s.slides)) setSlides(s.slides);
    if (typeof s.participants === 'number') state.participants = s.participants;
    if (s.room) setRoom(s.room);
    state.qr = Boolean(s.qr_overlay);
    state.blank = Boolean(s.blank);
    if (typeof s.min_responses === 'number') state.minResponses = s.min_responses;
  },
  showSlide,
  renderPoll: () => renderPoll(),
  renderResults: () => renderResults(),
  countdown: { set: setTimer },
});
const socket = follower.socket;
createConsoleQuestions(socket, element('#qa-panel', HTMLElement));
socket.on('participant_count', (msg) => {
  if (!msg || typeof msg.count !== 'number') return;
  state.participants = msg.count;
  setRoom(msg);
  renderCounts();
});
socket.on('room_changed', (room) => {
  if (room) setRoom(room);
});
socket.on('qr_overlay', (msg) => {
  state.qr = Boolean(msg && msg.visible);
  renderControls();
});
socket.on('blank', (msg) => {
  state.blank = Boolean(msg && msg.blank);
  renderControls();
});

// ---- rendering ---------------------------------------------------------------------------
/** Take in what the server says about the room (the facilitator's `participant_count` carries it all). */
function setRoom(/** @type {Partial<RoomState> | ParticipantCount} */ room) {
  const r = state.room;
  if (typeof room.count === 'number') {
    r.count = room.count;
    state.participants = room.count;
  }
  if (typeof room.joined === 'number') r.joined = room.joined;
  if (typeof room.locked === 'boolean') r.locked = room.locked;
  if (typeof room.cap === 'number') r.cap = room.cap;
  if (typeof room.refused_joins === 'number') r.refused_joins = room.refused_joins;
  renderRoom();
}

/** The room group: joined and connected, open, locked or capped, the lock button, the cap field, the warning. */
function renderRoom() {
  const r = state.room;
  // (A message is never built inside another's arguments: pybabel would not find the inner one.)
  const joined = nt('{n} joined', '{n} joined', r.joined, { n: formatNumber(r.joined) });
  const connected = nt('{n} connected', '{n} connected', state.participants, { n: formatNumber(state.participants) });
  setText(els.roomJoined, t('{joined} · {connected}', { joined, connected }));
  const full = r.cap > 0 && r.joined >= r.cap;
  const cap = formatNumber(r.cap);
  let status = t('Open');
  if (r.locked) status = r.cap > 0 ? t('Locked · cap {cap}', { cap }) : t('Locked');
  else if (full) status = t('Full (cap {cap})', { cap });
  else if (r.cap > 0) status = t('Cap {cap}', { cap });
  setText(els.roomStatus, status);
  els.roomStatus.dataset.state = r.locked ? 'locked' : full ? 'full' : 'open';
  setText(els.roomLock, r.locked ? t('Unlock room') : t('Lock room'));
  els.roomLock.setAttribute('aria-pressed', r.locked ? 'true' : 'false');
  els.roomLock.title = r.locked
    ? t('The room is closed to new participants; who joined already gets back in. Shortcut: L')
    : t('Close the room to new participants; who joined already still gets back in. Shortcut: L');
  if (!state.capEdited && document.activeElement !== els.cap) els.cap.value = r.cap > 0 ? String(r.cap) : '';
  const n = r.refused_joins;
  setText(
    els.joinBurst,
    n > 0
      ? nt('{n} join attempt was refused: it came faster than people scan a code. If you expected more people, check the room; else someone may be scripting joins.',
        '{n} join attempts were refused: they came faster than people scan a code. If you expected more people, check the room; else someone may be scripting joins.',
        n, { n: formatNumber(n) })
      : '',
  );
}


/** The slide list: one button per slide, with a tag for the join screen and for polls. */
function setSlides(/** @type {SlideOutline[]} */ slides) {
  state.slides = slides;
  slideButtons = slides.map((s, i) => {
    const index = typeof s.index === 'number' ? s.index : i;
    const typeLabel = s.poll ? pollType(s.poll.type).label : '';
    return h(
      'button',
      {
        type: 'button',
        class: 'slide-item needs-connection',
        'data-testid': 'slide-item',
        dataset: { index },
        onclick: () => goTo(index),
      },
      h('span', { class: 'slide-num' }, String(index + 1)),
      h('span', { class: 'slide-name' }, s.title || (s.kind === 'join' ? t('Join screen') : t('Untitled'))),
      s.kind === 'join' ? h('span', { class: 'slide-tag tag-join' }, t('QR')) : null,
      s.poll
        ? h(
            'span',
            { class: 'slide-tag tag-poll', title: t('Poll: {type}', { type: typeLabel }) },
            h('span', { 'aria-hidden': 'true' }, '▮▮ '),
            t('Poll'),
            h('span', { class: 'visually-hidden' }, ' (', typeLabel, ')'),
          )
        : null,
    );
  });
  els.slideList.replaceChildren(...slideButtons.map((button) => h('li', {}, button)));
  renderControls();
}

/** The current slide: position, title, notes, text, and its poll panel. */
/** What comes after this slide, so the facilitator can lead into it. */
function nextUpText(/** @type {SlideOutline | undefined} */ next) {
  if (!next) return t('Last slide');
  const title = next.title || (next.kind === 'join' ? t('Join screen') : t('Untitled'));
  return next.poll ? t('Next: {title} · poll: {question}', { title: isolate(title), question: isolate(next.poll.question) })
    : t('Next: {title}', { title: isolate(title) });
}

function showSlide(/** @type {Slide} */ slide, /** @type {boolean} */ pollChanged) {
  // A slide with its own timer (the deck's `timer: 5m`) offers that length, unless the facilitator typed one.
  if (slide.timer && !state.timerEdited && document.activeElement !== els.timerLength) {
    els.timerLength.value = minutesText(slide.timer);
    readTimerLength();
  }
  setText(els.pos, t('Slide {n} of {count}', { n: formatNumber(slide.index + 1), count: formatNumber(slide.count) }));
  setText(els.title, slide.title || (slide.kind === 'join' ? t('Join screen') : t('Untitled')));
  const listed = state.slides.find((s, i) => (typeof s.index === 'number' ? s.index : i) === slide.index);
  setText(els.nextUp, nextUpText(state.slides[slide.index + 1]));
  const notes = slide.notes !== undefined && slide.notes !== null ? slide.notes : listed ? listed.notes : '';
  if (notes && String(notes).trim()) {
    setText(els.notes, String(notes).trim());
    els.notes.classList.remove('is-empty');
  } else {
    setText(els.notes, t('No notes for this slide.'));
    els.notes.classList.add('is-empty');
  }
  if (slide.kind === 'join' && !slide.html) els.slideHtml.replaceChildren(h('p', {}, t('Full-screen QR code and join code.')));
  else setSlideHtml(els.slideHtml, slide.html);

  for (const button of slideButtons) {
    const current = Number(button.dataset.index) === slide.index;
    if (current) button.setAttribute('aria-current', 'step');
    else button.removeAttribute('aria-current');
    if (current) keepInView(button);
  }

  if (!slide.poll) {
    show(els.noPoll, true);
    show(els.pollBox, false);
    show(els.pollMeta, false);
    preview.reset();
    moderation.reset();
  } else {
    if (pollChanged) {
      preview.reset();
      moderation.reset();
    }
    show(els.noPoll, false);
    show(els.pollBox, true);
    show(els.pollMeta, true);
    renderPoll();
  }
  renderControls();
}

/** The poll panel: type, question, status, results visibility, and the type's extra controls. */
function renderPoll() {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  const type = pollType(poll.type);
  setText(els.pollType, type.label);
  setText(els.question, poll.question);
  const { key, label } = pollState(poll);
  setText(els.pollStatus, label);
  els.pollStatus.dataset.status = key;
  setText(els.toggleResults, poll.results_visible ? t('Hide results') : t('Show results'));
  els.toggleResults.dataset.visible = poll.results_visible ? 'true' : 'false';
  setText(els.visibility, poll.results_visible ? t('Results shown to the room') : t('Results hidden from the room'));
  // Types whose results can be shown more than one way get the view switch; moderated ones the list.
  const views = type.views || [];
  show(els.viewControls, views.length > 0);
  show(els.moderation, Boolean(type.moderated) || views.length > 0);
  show(els.moderationList, Boolean(type.moderated));
  if (views.length) {
    const current = poll.view || views[0];
    for (const [view, button] of Object.entries(VIEW_BUTTONS)) {
      show(button, views.includes(view));
      button.setAttribute('aria-pressed', view === current ? 'true' : 'false');
    }
  }
  renderResults();
  renderControls();
}

/** The results preview (always visible here) and, for moderated types, the moderation list. */
function renderResults() {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  const r = state.results[poll.id];
  const moderated = Boolean(pollType(poll.type).moderated);
  if (r && r.suppressed) {
    preview.showMessage(suppressedMessage(r));
  } else if (!r || !r.total) {
    preview.showMessage(t('No answers yet'), null);
  } else if (!moderated) {
    preview.showChart(poll, r);
  }
  // A moderated type's answers are the moderation list itself, high in the panel (no second copy as a chart).
  show(els.results, !moderated || !r || Boolean(r.suppressed) || !r.total);
  if (moderated) moderation.update(poll, r && !r.suppressed ? r : null);
  renderCounts();
}

/** The number of people joined, and how many of them answered the poll. */
function renderCounts() {
  setText(els.participants, state.participants);
  renderRoom();
  const poll = state.slide && state.slide.poll;
  if (poll) {
    const r = state.results[poll.id];
    // The released total only; before the first snapshot no number at all.
    setText(els.answered, heldBack(r) ? t('No results yet') : answeredLine(releasedTotal(poll, r), state.participants));
    const hint = releaseHint((r && r.min_responses) || state.minResponses);
    setText(els.releaseHint, hint ? `· ${hint}` : '');
    show(els.releaseHint, Boolean(hint));
  }
}

/** Enable what can be done now: connected, not waiting for that button's answer, not at an end. */
function renderControls() {
  const live = state.connected && !state.ended;
  for (const el of $$('.needs-connection', HTMLButtonElement)) el.disabled = !live || state.busy.has(el.id);
  const slide = state.slide;
  if (slide) {
    if (slide.index <= 0) els.prev.disabled = true;
    if (slide.index >= slide.count - 1) els.next.disabled = true;
    const poll = slide.poll;
    if (poll) {
      if (poll.status === 'open') els.openPoll.disabled = true;
      else els.closePoll.disabled = true;
      if (!poll.opened) els.resetPoll.disabled = true; // nothing to clear before it ever opened
    }
  }
  const timerOn = Boolean(state.timer && state.timer.running);
  show(els.timerStop, timerOn);
  const length = readTimerLength(false);
  const timerText = length
    ? (timerOn ? t('Restart {time}', { time: clock(length * 1000) }) : t('Start {time}', { time: clock(length * 1000) }))
    : (timerOn ? t('Restart timer') : t('Start timer'));
  setText(els.timerStart, timerText);
  setText(els.qrToggle, state.qr ? t('Hide QR on screen') : t('Show QR on screen'));
  els.qrToggle.setAttribute('aria-pressed', state.qr ? 'true' : 'false');
  setText(els.blankToggle, state.blank ? t('Show the screen again') : t('Blank the screen'));
  els.blankToggle.setAttribute('aria-pressed', state.blank ? 'true' : 'false');
}

// ---- actions -----------------------------------------------------------------------------
/**
 * Send a facilitator event; its button is busy until the acknowledgement, a refusal is shown.
 * @param {HTMLButtonElement | null} button
 * @param {string} event
 * @param {object} payload
 * @param {(ack: Ack) => void} [success]
 */
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

/** Report a refused slide change (the slide itself arrives as `slide_changed`). */
function stepped(/** @type {Ack | null} */ res) {
  if (res && !res.ok) note(ackMessage(res.error), 'error');
  renderControls();
}
const goTo = (/** @type {number} */ index) => follower.goTo(index).then(stepped);
const step = (/** @type {number} */ delta) => follower.step(delta).then(stepped);

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

/** Switch how screens show the poll's results (a type with `views`: word cloud or list). */
function setView(/** @type {'cloud' | 'list'} */ view) {
  const poll = state.slide && state.slide.poll;
  const views = poll ? pollType(poll.type).views || [] : [];
  if (!poll || !views.includes(view) || (poll.view || views[0]) === view) return;
  act(VIEW_BUTTONS[view], 'set_text_view', { poll: poll.id, view }, () => {
    poll.view = view;
    renderPoll();
  });
}

function toggleLock() {
  if (!state.connected || state.ended) return;
  const locked = !state.room.locked;
  act(els.roomLock, 'set_room', { locked }, (res) => {
    setRoom(res.room || { locked });
    note(locked ? t('Room locked: no new participants; who joined already still gets back in.') : t('Room open to new participants again.'));
  });
}

/** The cap field's value as a cap (0: none), or null with the reason shown under it. */
function readCap() {
  const raw = els.cap.value.trim();
  const cap = raw === '' ? 0 : /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  const problem = Number.isInteger(cap) && cap <= 100000 ? '' : t('Enter a whole number from 0 to 100000 (0 or empty: no cap).');
  showFieldProblem(els.cap, els.capError, problem);
  return problem ? null : cap;
}

/** A field's problem under it (empty: none), and the field marked invalid while there is one. */
function showFieldProblem(/** @type {HTMLInputElement} */ field, /** @type {HTMLElement} */ error, /** @type {string} */ problem) {
  setText(error, problem);
  show(error, Boolean(problem));
  if (problem) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

function setCap() {
  if (!state.connected || state.ended) return;
  const cap = readCap();
  if (cap === null) {
    els.cap.focus();
    return;
  }
  act(els.capSet, 'set_room', { cap }, (res) => {
    state.capEdited = false;
    setRoom(res.room || { cap });
    els.cap.value = cap > 0 ? String(cap) : '';
    note(cap > 0 ? nt('Cap set: at most {n} participant can join.', 'Cap set: at most {n} participants can join.', cap, { n: formatNumber(cap) })
      : t('No cap: anyone with the code can join.'));
  });
}

function toggleQr() {
  if (!state.connected) return;
  const visible = !state.qr;
  act(els.qrToggle, 'set_qr_overlay', { visible }, () => {
    state.qr = visible;
  });
}

/** Blank the projector (`b`), or show it again. */
function toggleBlank() {
  if (!state.connected) return;
  const blank = !state.blank;
  act(els.blankToggle, 'set_blank', { blank }, () => {
    state.blank = blank;
  });
}

/** Hide a text answer from the room, or show it again. */
async function moderate(/** @type {string} */ pollId, /** @type {string} */ text, /** @type {boolean} */ hidden) {
  const res = await act(null, 'hide_answer', { poll: pollId, text, hidden });
  if (res.ok) {
    const r = state.results[pollId];
    if (r && Array.isArray(r.answers)) {
      for (const a of r.answers) if (a.text === text) a.hidden = hidden;
      renderResults();
    }
    note(hidden ? t('Answer hidden from the room.') : t('Answer shown again.'));
  }
}

/** Clear every answer to the poll on screen, after a confirmation that says what goes. */
function resetPoll() {
  const poll = state.slide && state.slide.poll;
  if (!poll || !state.connected || state.ended) return;
  const r = state.results[poll.id];
  const question = r && r.total
    ? nt('Clear the {n} answer to “{question}”?', 'Clear all {n} answers to “{question}”?', r.total, { n: formatNumber(r.total), question: isolate(poll.question) })
    : t('Clear all answers to “{question}”?', { question: isolate(poll.question) });
  const consequence = t('They are deleted for good, from the screens, the phones and the results. Phones can then answer again.');
  // eslint-disable-next-line no-alert
  if (!window.confirm(`${question}\n\n${consequence}`)) return;
  act(els.resetPoll, 'reset_poll', { poll: poll.id }, () => note(t('Answers cleared: phones can answer again.')));
}

/** The countdown as the server tells it: the clock, and which timer buttons make sense now. */
function setTimer(/** @type {Timer | null | undefined} */ timer) {
  state.timer = timer && timer.running ? timer : null;
  countdown.set(timer);
  renderControls();
}

/** "5" for 300 seconds, "1.5" for 90: the length field's way of writing a length. */
function minutesText(/** @type {number} */ seconds) {
  return String(Math.round((seconds / 60) * 100) / 100);
}

/** The length field in seconds ("5", "1.5", "2:30"), or 0 with the reason shown under it when `report`. */
function readTimerLength(report = true) {
  const raw = els.timerLength.value.trim();
  const clockForm = /^(\d{1,2}):([0-5]\d)$/.exec(raw);
  const seconds = clockForm
    ? Number(clockForm[1]) * 60 + Number(clockForm[2])
    : /^\d{1,2}([.,]\d{1,2})?$/.test(raw) ? Math.round(Number(raw.replace(',', '.')) * 60) : NaN;
  const problem = seconds >= 5 && seconds <= 3600 ? '' : t('Enter minutes, from 0.1 to 60 (e.g. 5, 1.5 or 2:30).');
  if (report) showFieldProblem(els.timerLength, els.timerError, problem);
  return problem ? 0 : seconds;
}

function startTimer() {
  if (!state.connected || state.ended) return;
  const seconds = readTimerLength();
  if (!seconds) {
    els.timerLength.focus();
    return;
  }
  act(els.timerStart, 'start_timer', { seconds }, (res) => {
    state.timerEdited = false; // the next slide with its own timer offers its length again
    setTimer(res.timer);
  });
}

function stopTimer() {
  if (!state.connected || state.ended) return;
  act(els.timerStop, 'stop_timer', {}, (res) => setTimer(res.timer));
}

/** `t`: stop a timer that is counting down, else start one. */
function toggleTimer() {
  if (state.timer && state.timer.running && countdown.remaining() > 0) stopTimer();
  else startTimer();
}

function endSession() {
  if (!state.connected || state.ended) return;
  // eslint-disable-next-line no-alert
  const question = practice
    ? t('End this practice session? Everything in it is deleted now.')
    : t('End this session for everyone? Phones will show a thank-you screen and no more answers can be given.');
  if (!window.confirm(question)) return;
  act(els.end, 'end_session', {}, () => follower.end());
}

els.prev.addEventListener('click', () => step(-1));
els.next.addEventListener('click', () => step(1));
els.openPoll.addEventListener('click', togglePoll);
els.closePoll.addEventListener('click', togglePoll);
els.toggleResults.addEventListener('click', toggleResults);
els.viewCloud.addEventListener('click', () => setView('cloud'));
els.viewList.addEventListener('click', () => setView('list'));
els.qrToggle.addEventListener('click', toggleQr);
els.blankToggle.addEventListener('click', toggleBlank);
els.roomLock.addEventListener('click', toggleLock);
els.capForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setCap();
});
els.cap.addEventListener('input', () => {
  state.capEdited = true;
  if (!els.capError.hidden) readCap(); // clear the message as soon as the value is good
});
els.cap.addEventListener('blur', () => {
  // Left unchanged (or emptied back to what is set): follow the server again.
  const r = state.room;
  if (els.cap.value.trim() === (r.cap > 0 ? String(r.cap) : '')) state.capEdited = false;
});
els.end.addEventListener('click', endSession);
els.resetPoll.addEventListener('click', resetPoll);
els.timerStart.addEventListener('click', startTimer);
els.timerStop.addEventListener('click', stopTimer);
els.timerLength.addEventListener('input', () => {
  state.timerEdited = true;
  if (!els.timerError.hidden) readTimerLength(); // clear the message as soon as the value is good
  renderControls();
});
els.timerLength.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') startTimer();
});

/** Scroll the slide list (not the page) so the current slide is in it. */
function keepInView(/** @type {HTMLElement} */ item) {
  const nav = els.nav.getBoundingClientRect();
  const box = item.getBoundingClientRect();
  if (box.top < nav.top) els.nav.scrollTop -= nav.top - box.top + 8;
  else if (box.bottom > nav.bottom) els.nav.scrollTop += box.bottom - nav.bottom + 8;
}

// The header stays in view; the slide list sits below it and scrolls on its own, as tall as what is left.
new ResizeObserver(() => {
  document.documentElement.style.setProperty('--console-header', `${els.header.offsetHeight}px`);
}).observe(els.header);
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
    note(t('Your browser blocked the new window. Allow pop-ups for this page, or open the presenter link yourself.'), 'error');
  }
});

const reactions = consoleReactions(element('#reactions-toggle', HTMLButtonElement), element('#reactions-tally', HTMLElement), socket, note);
const shortcuts = installShortcuts({
  toggleReactions: reactions.toggle,
  next: () => step(1),
  prev: () => step(-1),
  togglePoll,
  toggleResults,
  toggleQr,
  toggleBlank,
  toggleLock,
  toggleTimer,
  fullscreen: toggleFullscreen,
});
els.help.addEventListener('click', () => shortcuts.openHelp());
renderControls();

// ---- slide content on phones -------------------------------------------------------------
// For people at the back or with low vision: phones show each slide's content under its title.
// The deck's `phone_slides` is the default; a slide's own `phone:` key wins over this switch.
const phoneSlidesToggle = element('#phone-slides-toggle', HTMLButtonElement);
let phoneSlides = false;
function renderPhoneSlides() {
  setText(phoneSlidesToggle, phoneSlides ? t('Slides on phones: on') : t('Slides on phones: off'));
  phoneSlidesToggle.setAttribute('aria-pressed', phoneSlides ? 'true' : 'false');
}
socket.on('session_state', (s) => {
  if (s && typeof s.phone_slides === 'boolean') phoneSlides = s.phone_slides;
  renderPhoneSlides();
});
socket.on('phone_slides', (msg) => {
  phoneSlides = Boolean(msg && msg.visible);
  renderPhoneSlides();
});
phoneSlidesToggle.addEventListener('click', () => {
  if (!state.connected) return;
  const visible = !phoneSlides;
  act(phoneSlidesToggle, 'set_phone_slides', { visible }, () => {
    phoneSlides = visible;
    renderPhoneSlides();
    note(visible ? t('Phones now show each slide’s content too.') : t('Phones show only the slide titles and polls.'));
  });
});
renderPhoneSlides();
