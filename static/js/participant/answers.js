// Answering on the phone: drafts, sending, the "Saving…" and error notices, and what a poll type's
// control may ask of the page (its AnswerContext).
import { ackMessage } from '../socket.js';
import { t } from '../i18n.js';

/** @import { Ack, AnswerValue, Poll } from '../types.js' */
/** @import { AnswerContext } from '../polls/registry.js' */
/** @import { PhoneState } from './state.js' */

/**
 * @typedef {object} AnswerDisplay  how answering shows its progress on the page
 * @property {() => void} renderStatus  the status line under the current poll
 * @property {(value: AnswerValue | undefined) => void} showValue  the current poll's control
 */

/**
 * @param {PhoneState} state
 * @param {(payload: {poll: string, value: AnswerValue}) => Promise<Ack>} send  `submit_answer`
 * @param {AnswerDisplay} display
 */
export function createAnswering(state, send, display) {
  let submitSeq = 0;
  const isCurrent = (/** @type {string} */ pollId) => Boolean(state.slide && state.slide.poll && state.slide.poll.id === pollId);

  /** Send an answer; only the latest of several quick taps decides what the phone shows. */
  async function submit(/** @type {Poll} */ poll, /** @type {AnswerValue} */ value) {
    state.drafts[poll.id] = value;
    const seq = ++submitSeq;
    state.notice = { poll: poll.id, kind: 'saving', text: t('Saving…') };
    display.renderStatus();
    display.showValue(value);
    const res = await send({ poll: poll.id, value });
    // The server acknowledges with the value as stored (text is trimmed and cleaned, in the writer's spelling).
    const stored = res.ok && res.value !== undefined && res.value !== null ? res.value : value;
    if (seq !== submitSeq) {
      if (res.ok) state.myAnswers[poll.id] = stored; // a newer answer is on its way; keep this one as a fallback
      return;
    }
    if (res.ok) {
      state.myAnswers[poll.id] = stored;
      delete state.drafts[poll.id];
      state.notice = null;
    } else {
      // Keep the selection so the person can simply try again.
      state.notice = { poll: poll.id, kind: 'error', text: ackMessage(res.error) };
    }
    if (isCurrent(poll.id)) {
      display.renderStatus();
      display.showValue(state.drafts[poll.id] ?? state.myAnswers[poll.id]);
    }
  }

  /**
   * What a poll's control may ask of the page.
   * @param {Poll} poll
   * @returns {AnswerContext}
   */
  function contextFor(poll) {
    return {
      submit: (value) => void submit(poll, value),
      saved: () => state.myAnswers[poll.id],
      current: () => state.drafts[poll.id] ?? state.myAnswers[poll.id],
      draft(value) {
        state.drafts[poll.id] = value;
      },
      refuse(text) {
        state.notice = { poll: poll.id, kind: 'error', text };
        display.renderStatus();
      },
      clearRefusal() {
        if (state.notice && state.notice.poll === poll.id && state.notice.kind === 'error') {
          state.notice = null;
          display.renderStatus();
        }
      },
    };
  }

  return { contextFor };
}
