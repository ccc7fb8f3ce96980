// What a refused call to the deck API means, in the library's words; a refusal with problems also lists each.
import { problemsOf, sharedRefusal } from '../deck-api.js';
import { t } from '../i18n.js';

/** @import { Answer, Problem } from '../deck-api.js' */

/**
 * What went wrong, for a person: one sentence in the page's language.
 * @param {Answer} answer
 */
export function describeFailure(answer) {
  const code = answer.body && typeof answer.body.error === 'string' ? answer.body.error : '';
  if (answer.status === 0) {
    return t('The server could not be reached. Check that workshop serve is still running, then try again.');
  }
  if (code === 'unsafe_path') return t('This deck is stored through a link on the server, so it cannot be changed here.');
  const shared = sharedRefusal(answer);
  if (shared) return shared;
  switch (code) {
    case 'exists':
      return t('A deck or folder with this file name is already on the server. Choose another file name.');
    case 'not_found':
      return t('This deck is no longer on the server. The list has been brought up to date.');
    case 'conflict':
      return t('The deck was changed in the meantime. Look at the list again, then retry.');
    case 'deck_in_use':
      return t('Live sessions are running on this deck and show its pictures under its current name. End them first, then rename it.');
    case 'too_large':
      return t('The deck is too large: a deck file may be at most 512 KB.');
    case 'invalid_deck_id':
      return t('The server refused this file name: {reason}', { reason: String(answer.body.message || '') });
    case 'invalid_deck':
      return t('The deck has problems, so nothing was saved.');
    case 'unavailable':
      return t('The server could not change its decks just now. Please try again shortly.');
    case 'no_rehearsal':
      return String(answer.body.message);
    default:
      return t('Something went wrong (error {status}). Please try again.', { status: answer.status });
  }
}

/** "Line 4: poll 'type' must be one of ..." */
export function problemText(/** @type {Problem} */ problem) {
  return t('Line {line}: {message}', { line: problem.line, message: problem.message });
}

/**
 * A refusal as the dialogs show it: a sentence, then each problem "Line N: message".
 * @param {Answer} answer
 * @returns {string | string[]}
 */
export function problemLines(answer) {
  const problems = problemsOf(answer);
  if (!problems.length) return describeFailure(answer);
  return [describeFailure(answer), ...problems.map(problemText)];
}
