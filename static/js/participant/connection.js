// The phone's connection: join by code, present the stored participant token, start afresh when the
// token is stale, and take in the phone's own part of `session_state` (its token and answers).
import { followSession } from '../follower.js';
import { tokenStore } from './token.js';
import { resourcesSection } from '../resources.js';
import { t } from '../i18n.js';

/** @import { PhoneState } from './state.js' */
/** @import { FollowOptions, Follower } from '../follower.js' */
/** @import { MessageScreen } from '../full-screen-message.js' */

/**
 * Join the session with this code and follow it.
 * @param {string} code  as in the join link
 * @param {PhoneState} state
 * @param {Pick<FollowOptions, 'onStatus' | 'showSlide' | 'renderPoll' | 'renderResults' | 'countdown'>} view
 * @returns {Follower}
 */
export function joinSession(code, state, view) {
  const CODE = code.toUpperCase();
  const tokens = tokenStore(CODE);
  let token = tokens.load();
  let retriedWithoutToken = false;
  /** @type {MessageScreen} the thank-you screen, with the deck's support resources once known */
  const endedScreen = {
    title: t('Thank you!'),
    message: t('This workshop has ended. Thank you for taking part — your answers stay anonymous.'),
    testid: 'ended',
  };

  return followSession(state, {
    ...view,
    auth: () => (token ? { code, participant: token } : { code }),
    titleSuffix: t('Workshop'),
    screens: {
      session_ended: endedScreen,
      unknown_session: {
        title: t('Workshop not found'),
        message: t('That code does not match a live workshop. Check the code on the screen ({code}) and try again.', { code: CODE }),
        testid: 'unknown-session',
        link: { href: '/', text: t('Try another code') },
        tone: 'warn',
      },
      unauthorized: {
        title: t('Cannot join'),
        message: t('This link is not valid any more. Scan the QR code on the screen again.'),
        testid: 'unauthorized',
        link: { href: '/', text: t('Enter a code') },
        tone: 'warn',
      },
    },
    // Only a phone that has not joined yet is told these: one with its token always gets back in.
    waitScreens: {
      room_locked: {
        title: t('This workshop is closed to new participants'),
        message: t('The facilitator has closed the room for now.'),
        detail: t('If you should be taking part, please ask the facilitator to let you in.'),
        testid: 'room-locked',
      },
      room_full: {
        title: t('This workshop is full'),
        message: t('All the places in this workshop are taken.'),
        detail: t('If you should be taking part, please ask the facilitator to make room.'),
        testid: 'room-full',
      },
      rate_limited: {
        title: t('Too many people are joining at once'),
        message: t('Please hold on a moment, you do not need to do anything. This page will try again by itself.'),
        testid: 'rate-limited',
      },
    },
    refusedScreen(reason) {
      // An ended session's code looks unknown to phones. One that joined under this code (it holds a
      // token) most likely comes back after the end, so it is thanked rather than told it mistyped.
      if (reason !== 'unknown_session' || !token) return null;
      token = null;
      tokens.save(null);
      return {
        title: t('This workshop has ended, or the code is wrong'),
        message: t('Thank you for taking part — your answers stay anonymous.'),
        detail: t('If the workshop is still going on, check the code on the screen ({code}) and try again.', { code: CODE }),
        testid: 'ended-or-unknown',
        link: { href: '/', text: t('Enter a code') },
      };
    },
    retryRefused(reason) {
      if (reason !== 'unauthorized' || !token || retriedWithoutToken) return false;
      // A stale token (e.g. from an old session with the same code): join afresh, once.
      retriedWithoutToken = true;
      token = null;
      tokens.save(null);
      return true;
    },
    onPollReset(pollId) {
      // The facilitator cleared this poll's answers: nothing of ours is stored any more; we may answer again.
      delete state.myAnswers[pollId];
      delete state.drafts[pollId];
      state.notice = { poll: pollId, kind: 'info', text: t('The facilitator cleared the answers: you can answer again') };
    },
    onState(s) {
      endedScreen.extra = s.resources && s.resources.items.length ? resourcesSection(s.resources) : null;
      if (s.participant && s.participant !== token) {
        token = s.participant;
        tokens.save(token);
      }
      state.myAnswers = { ...(s.my_answers || {}) };
      const poll = s.slide && s.slide.poll;
      if (poll && s.my_answer !== undefined && s.my_answer !== null && !(poll.id in state.myAnswers)) {
        state.myAnswers[poll.id] = s.my_answer;
      }
    },
  });
}
