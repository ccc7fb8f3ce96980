// One wording of a poll's state for every page: a poll nobody has opened yet is not "closed".
import { t } from './i18n.js';

/**
 * @param {import('./types.js').Poll} poll
 * @returns {{key: 'open' | 'pending' | 'closed', label: string}}
 */
export function pollState(poll) {
  if (poll.status === 'open') return { key: 'open', label: t('Open') };
  if (poll.opened === false) return { key: 'pending', label: t('Not open yet') };
  return { key: 'closed', label: t('Closed') };
}
