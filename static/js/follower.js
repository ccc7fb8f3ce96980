// What every live page (console, presenter, phone) does alike: connect, take in `session_state`,
// follow slide, poll and results events, show the end and refused-connection screens, and step slides.
// Each page passes in only what is its own: auth, texts, and how it draws a slide, a poll and results.
import { connect, isRoomRefusal, request } from './socket.js';
import { fullScreenMessage } from './full-screen-message.js';
import { waitingRoom } from './waiting-room.js';
import { t } from './i18n.js';

/** @import { Ack, FatalReason, LiveSocket, Results, RoomRefusal, SessionState, Slide, Timer } from './types.js' */
/** @import { MessageScreen } from './full-screen-message.js' */

/**
 * The part of a page's state the follower keeps current.
 * @typedef {object} FollowedState
 * @property {Slide | null} slide  the slide on screen (with its poll, kept up to date)
 * @property {Record<string, Results>} results  the latest results by poll id
 * @property {boolean} ended  the session is over (or this page gave up on it)
 */

/**
 * @typedef {object} FollowOptions
 * @property {() => object} auth  the Socket.IO auth object, asked on every (re)connect
 * @property {string} titleSuffix  the tab's title becomes "<session title> · <titleSuffix>" (as the language joins them)
 * @property {Record<FatalReason, MessageScreen>} screens  the end screen (`session_ended`) and the
 *   screens for refused connections
 * @property {(reason: FatalReason) => boolean} [retryRefused]  true: connect again instead of giving up
 * @property {(reason: FatalReason) => MessageScreen | null} [refusedScreen]  the page's own screen for a
 *   final refusal, in place of `screens[reason]` (null: that one)
 * @property {Record<RoomRefusal, MessageScreen>} [waitScreens]  the phone: what it says while the room does
 *   not admit it (closed, full, too many joining at once); it tries again by itself and, once in, the page
 *   comes back. Without them such a refusal is final.
 * @property {(connected: boolean) => void} [onStatus]  the connection came or went
 * @property {(state: SessionState) => void} [onState]  the page's own part of `session_state`, before its slide is shown
 * @property {(slide: Slide, pollChanged: boolean) => void} showSlide  a slide to show; `pollChanged`
 *   when it brings another poll (or none), so charts and controls start afresh
 * @property {() => void} renderPoll  the current poll's status or visibility changed
 * @property {() => void} renderResults  new results for the current poll
 * @property {(pollId: string) => void} [onPollReset]  the facilitator cleared a poll's answers (the page
 *   forgets its own; the slide is then shown afresh if the poll is on it)
 * @property {{set: (timer: Timer | null | undefined) => void}} [countdown]  where the page shows the
 *   timer (a `Countdown`, or the page's own wrapper of one)
 */

/**
 * @typedef {object} Follower
 * @property {LiveSocket} socket
 * @property {() => void} end  show the end screen and disconnect for good
 * @property {(index: number) => Promise<Ack | null>} goTo  ask to show slide `index` (null: no such other slide)
 * @property {(delta: number) => Promise<Ack | null>} step  ask to move `delta` slides (null: at either end)
 */

/**
 * Follow a session for a page.
 * @param {FollowedState} state  the page's state object; slide, results and ended are kept here
 * @param {FollowOptions} options
 * @returns {Follower}
 */
export function followSession(state, options) {
  /** @type {import('./waiting-room.js').WaitingRoom | null} */
  let waiting = null;
  const { socket, stop, retry } = connect(options.auth, {
    onFatal(reason) {
      if (isRoomRefusal(reason)) {
        if (waiting) {
          waiting.refused(reason);
          return 'wait';
        }
        fullScreenMessage({ title: t('Cannot join right now'), message: t('Please try again later.'), testid: reason, tone: 'warn' });
        return null;
      }
      if (waiting) waiting.cancel();
      if (options.retryRefused && options.retryRefused(reason)) return 'retry';
      if (reason === 'session_ended') end();
      else fullScreenMessage((options.refusedScreen && options.refusedScreen(reason)) || options.screens[reason]);
      return null;
    },
    onStatus: options.onStatus,
  });
  if (options.waitScreens) waiting = waitingRoom(options.waitScreens, retry);
  socket.on('connect', () => {
    if (waiting) waiting.admitted();
  });

  function end() {
    if (state.ended) return;
    state.ended = true;
    stop();
    if (options.countdown) options.countdown.set(null);
    fullScreenMessage(options.screens.session_ended);
  }

  /** Show a slide unless the session is over; tell the page whether its poll changed. */
  function setSlide(/** @type {Slide | null} */ slide) {
    if (state.ended || !slide) return;
    const previousPoll = state.slide && state.slide.poll ? state.slide.poll.id : null;
    state.slide = slide;
    options.showSlide(slide, previousPoll !== (slide.poll ? slide.poll.id : null));
  }

  const isCurrent = (/** @type {string} */ pollId) => Boolean(state.slide && state.slide.poll && state.slide.poll.id === pollId);

  socket.on('session_state', (s) => {
    if (!s) return;
    if (s.session && s.session.title) document.title = t('{title} · {page}', { title: s.session.title, page: options.titleSuffix });
    if (s.session && s.session.status === 'ended') {
      end();
      return;
    }
    if (s.results && s.results.poll) state.results[s.results.poll] = s.results;
    if (options.onState) options.onState(s);
    setSlide(s.slide);
    if (options.countdown) options.countdown.set(s.timer);
  });
  socket.on('timer', (timer) => {
    if (options.countdown && !state.ended) options.countdown.set(timer);
  });
  socket.on('poll_reset', (message) => {
    const poll = message && message.poll;
    if (!poll || !poll.id) return;
    delete state.results[poll.id];
    if (options.onPollReset) options.onPollReset(poll.id);
    if (state.slide && isCurrent(poll.id)) {
      state.slide.poll = { ...state.slide.poll, ...poll };
      options.showSlide(state.slide, true); // charts and answer controls start afresh
    }
  });
  socket.on('slide_changed', (slide) => setSlide(slide));
  socket.on('poll_changed', (poll) => {
    // A poll change or results for another poll than the one on screen are ignored.
    if (!poll || !state.slide || !state.slide.poll || !isCurrent(poll.id)) return;
    state.slide.poll = { ...state.slide.poll, ...poll };
    options.renderPoll();
  });
  socket.on('results_updated', (results) => {
    if (!results || !results.poll) return;
    state.results[results.poll] = results;
    if (isCurrent(results.poll)) options.renderResults();
  });
  socket.on('session_ended', () => end());

  /** @param {number} index */
  async function goTo(index) {
    const slide = state.slide;
    // The same guard for buttons, keys and the slide list: only another slide of this deck.
    if (!slide || index < 0 || index >= slide.count || index === slide.index) return null;
    return request(socket, 'go_to_slide', { index });
  }

  return {
    socket,
    end,
    goTo,
    step: async (delta) => (state.slide ? goTo(state.slide.index + delta) : null),
  };
}
