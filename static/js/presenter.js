// Presenter (projector) screen: the current slide, the join QR code and live results.
import { pollState } from './poll-status.js';
import { element, h, setText, show, setSlideHtml } from './dom.js';
import { request, ackMessage } from './socket.js';
import { followSession } from './follower.js';
import { ResultsView, answeredLine, heldBack, releasedTotal, suppressedMessage } from './results-view.js';
import { installShortcuts, toggleFullscreen } from './keys.js';
import { Countdown } from './countdown.js';
import { ReactionFloater } from './reactions/floater.js';
import { createStageQuestions } from './questions/presenter.js';
import { fillResources } from './resources.js';
import { fitStage, slideOverflows } from './stage-fit.js';
import { t, nt, formatNumber } from './i18n.js';

/** @import { Ack, Slide } from './types.js' */
/** @import { FollowedState } from './follower.js' */
/** @import { ShortcutActions } from './keys.js' */

const cfg = document.body.dataset;
const canControl = cfg.canControl === 'true';

const els = {
  stage: element('#main', HTMLElement),
  slide: element('#stage-slide', HTMLElement),
  kicker: element('#stage-kicker', HTMLElement),
  title: element('#slide-title', HTMLElement),
  body: element('#slide-body', HTMLElement),
  poll: element('#stage-poll', HTMLElement),
  question: element('#poll-question', HTMLElement),
  pollStatus: element('#poll-status', HTMLElement),
  results: element('#results', HTMLElement),
  answered: element('#answered', HTMLElement),
  participants: element('#participant-count', HTMLElement),
  participantLabel: element('#participant-label', HTMLElement),
  joinPanel: element('#join-panel', HTMLElement),
  qrClose: element('#qr-close', HTMLButtonElement),
};
const stageResources = element('#stage-resources', HTMLElement);

/**
 * @typedef {object} PresenterOwnState
 * @property {number} participants
 * @property {boolean} serverQr  the facilitator put the big QR code on screen
 * @property {boolean | null} localQr  a local override of it (null: follow the facilitator)
 * @property {boolean} blank  the facilitator blanked the screen
 */
/** @type {FollowedState & PresenterOwnState} */
const state = {
  slide: null,
  results: {},
  participants: 0,
  serverQr: false,
  localQr: null,
  blank: false,
  ended: false,
};
const view = new ResultsView(els.results, { variant: 'presenter', announceEvery: 15000 });
const countdown = new Countdown();
element('#stage-timer', HTMLElement).append(...countdown.parts());
const toast = h('p', { class: 'stage-toast', role: 'status', 'data-testid': 'toast', hidden: true });
els.stage.append(toast);
/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/** A short note on the stage, e.g. why a shortcut did nothing. */
function say(/** @type {string} */ text) {
  setText(toast, text);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.hidden = true;
  }, 4000);
}

// ---- connection --------------------------------------------------------------------------
const auth = canControl ? { session: cfg.session, key: cfg.key, view: 'presenter' } : { session: cfg.session, key: cfg.key };
const follower = followSession(state, {
  auth: () => auth,
  titleSuffix: t('Presenter'),
  screens: {
    session_ended: { title: t('Session ended'), message: t('Thank you for taking part.'), testid: 'ended' },
    unknown_session: { title: t('Session not found'), message: t('This workshop session does not exist any more.'), testid: 'unknown-session', tone: 'warn' },
    unauthorized: {
      title: t('Not authorised'),
      message: t('This presenter link is not valid. Open the presenter screen again from the facilitator console.'),
      testid: 'unauthorized',
      tone: 'warn',
    },
  },
  onState(s) {
    if (typeof s.participants === 'number') state.participants = s.participants;
    state.serverQr = Boolean(s.qr_overlay);
    state.localQr = null;
    setBlank(Boolean(s.blank));
  },
  showSlide,
  renderPoll: () => renderPoll(false),
  renderResults: () => renderResults(),
  countdown,
});
const socket = follower.socket;
createStageQuestions(socket, element('#stage-qa', HTMLElement));
socket.on('participant_count', (msg) => {
  if (!msg || typeof msg.count !== 'number') return;
  state.participants = msg.count;
  renderCounts();
});
socket.on('blank', (msg) => setBlank(Boolean(msg && msg.blank)));
const floater = new ReactionFloater(els.stage);
socket.on('reactions', (msg) => floater.add(msg));
let reactionsOn = false; // for the facilitator's `e` on this screen
socket.on('session_state', (s) => {
  if (s && s.reactions) reactionsOn = s.reactions.enabled;
});
socket.on('reactions_changed', (r) => {
  if (r) reactionsOn = r.enabled;
});
socket.on('qr_overlay', (msg) => {
  state.serverQr = Boolean(msg && msg.visible);
  state.localQr = null;
  renderJoinPanel();
});

// ---- rendering ---------------------------------------------------------------------------
/** A new slide on the stage: its text, its poll, the join panel; then shrink it to fit. */
function showSlide(/** @type {Slide} */ slide, /** @type {boolean} */ pollChanged) {
  els.stage.dataset.kind = slide.kind || 'content';
  els.stage.dataset.poll = slide.poll ? slide.poll.type : 'none';
  setText(els.kicker, typeof slide.index === 'number' && slide.count
    ? t('{n} / {count}', { n: formatNumber(slide.index + 1), count: formatNumber(slide.count) }) : '');
  setText(els.title, slide.title || '');
  setSlideHtml(els.body, slide.html);
  show(els.body, Boolean(slide.html));
  fillResources(stageResources, slide.resources); // the deck's support resources, on its last slide
  if (slide.poll) {
    if (pollChanged) view.reset();
    renderPoll(true);
  } else {
    show(els.poll, false);
    view.reset();
  }
  renderCounts();
  renderJoinPanel();
  fit();
}

/** The poll's question and status (and its results). */
function renderPoll(/** @type {boolean} */ isNewSlide) {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  show(els.poll, true);
  setText(els.question, poll.question);
  const { key, label } = pollState(poll);
  setText(els.pollStatus, label);
  els.pollStatus.dataset.status = key;
  renderResults();
  if (!isNewSlide) fit();
}

/** Results only when the facilitator shows them and there are enough answers. */
function renderResults() {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  const r = state.results[poll.id];
  const key = view.key;
  if (pollState(poll).key === 'pending') {
    // Nothing to count before the poll opens: no "answers needed" yet.
    view.showMessage(t('Not open yet'));
  } else if (!poll.results_visible) {
    // Only released answers are counted; before the first snapshot, no number at all.
    const total = releasedTotal(poll, r);
    view.showMessage(heldBack(r) ? t('Results hidden')
      : nt('Results hidden — {n} answer so far', 'Results hidden — {n} answers so far', total, { n: formatNumber(total) }));
  } else if (!r) {
    view.showMessage(t('No answers yet'));
  } else if (r.suppressed) {
    view.showMessage(suppressedMessage(r));
  } else {
    view.showChart(poll, r);
    if (key !== view.key) fit();
    fitCloud();
  }
  renderCounts();
}

/** How many joined, and how many answered the poll on screen. */
function renderCounts() {
  setText(els.participants, formatNumber(state.participants));
  // The number and its word apart (the number is set in large type): the word agrees with the number.
  setText(els.participantLabel, nt('joined', 'joined', state.participants));
  const poll = state.slide && state.slide.poll;
  const r = poll ? state.results[poll.id] : undefined;
  // The released total only, and none while results are held back (the results area says why).
  show(els.answered, Boolean(poll) && !heldBack(r) && (!poll || pollState(poll).key !== 'pending'));
  if (poll) setText(els.answered, answeredLine(releasedTotal(poll, r), state.participants));
}

/** Whether the big QR code is on screen (a local override wins). */
function qrVisible() {
  return state.localQr !== null ? state.localQr : state.serverQr;
}

/** The join panel: full screen on a join slide, as an overlay, or in the corner. */
function renderJoinPanel() {
  const kind = state.slide ? state.slide.kind : 'content';
  const mode = kind === 'join' ? 'join' : qrVisible() ? 'overlay' : 'corner';
  if (els.joinPanel.dataset.mode !== mode) els.joinPanel.dataset.mode = mode;
  show(els.qrClose, mode === 'overlay');
  document.body.classList.toggle('has-overlay', mode === 'overlay');
}

/** Shrink the slide's type until it fits the 16:9 stage (long slides, many options). */
function fit() {
  fitStage(els.stage, () => slideOverflows(els.slide, els.poll, els.results));
  fitCloud();
}

/** Keep the word cloud inside its box as it grows. */
function fitCloud() {
  const cloud = els.results.querySelector('.cloud');
  if (!(cloud instanceof HTMLElement) || cloud.offsetParent === null) return;
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

// Whatever changes the room the slide has (the window, the Q&A column opening beside it a tick after the slide
// arrives), it is fitted again. The observer sees the slide box's content size, which fitting never changes.
new ResizeObserver(() => fit()).observe(els.slide);
// A slide's pictures load after it is laid out: fit it again once each arrives (load does not bubble).
els.body.addEventListener('load', () => fit(), true);

// ---- controls ----------------------------------------------------------------------------
/** Tell the room's screen why a control did nothing. */
function complain(/** @type {Ack | null} */ res) {
  if (res && !res.ok) say(ackMessage(res.error));
}

/** A facilitator action from this screen's keyboard (only when opened from the console). */
async function control(/** @type {string} */ event, /** @type {object} */ payload) {
  complain(await request(socket, event, payload));
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

/** The projector shows nothing (a pause, a personal moment); the facilitator's `b` on either screen. */
function setBlank(/** @type {boolean} */ blank) {
  document.body.classList.toggle('is-blank', blank);
  state.blank = blank;
}

/** @type {ShortcutActions} */
const actions = { toggleQr, fullscreen: toggleFullscreen };
if (canControl) {
  Object.assign(actions, {
    next: () => follower.step(1).then(complain),
    prev: () => follower.step(-1).then(complain),
    toggleBlank: () => control('set_blank', { blank: !state.blank }),
    toggleReactions: () => control('set_reactions', { enabled: !reactionsOn }),
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
// No help button on the projector (the audience sees it): the ? key still lists the shortcuts.
installShortcuts(actions);
