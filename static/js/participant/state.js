// What a phone keeps about the session: the follower's part, plus its answers and their progress.

/** @import { AnswerValue } from '../types.js' */
/** @import { FollowedState } from '../follower.js' */

/**
 * A message about the current answer: being saved, why it was not, or that the answers were cleared.
 * @typedef {{poll: string, kind: 'saving' | 'error' | 'info', text: string}} Notice
 */

/**
 * @typedef {object} PhoneOwnState
 * @property {Record<string, AnswerValue>} myAnswers  poll id -> stored value (acknowledged by the server)
 * @property {Record<string, AnswerValue>} drafts  poll id -> value chosen here but not (yet) stored
 * @property {Notice | null} notice
 * @property {boolean} online  the live connection is up
 * @typedef {FollowedState & PhoneOwnState} PhoneState
 */

/** @returns {PhoneState} */
export function newPhoneState() {
  return { slide: null, results: {}, ended: false, myAnswers: {}, drafts: {}, notice: null, online: false };
}
