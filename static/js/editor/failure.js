// What a refused call to the server means, in the editor's words: the server's own message, but for a server out
// of reach, a sign-in refused and a full disk.
import { sharedRefusal } from '../deck-api.js';
import { t } from '../i18n.js';

/** @import { Answer } from '../deck-api.js' */

/**
 * Why a call failed, for a person: one sentence.
 * @param {Answer} answer
 * @returns {string}
 */
export function failureText(answer) {
  if (answer.status === 0) return t('The server cannot be reached. Check your connection and try again.');
  const shared = sharedRefusal(answer);
  if (shared) return shared;
  const message = answer.body && typeof answer.body.message === 'string' ? answer.body.message : '';
  return message || t('The server answered with error {status}.', { status: answer.status });
}
