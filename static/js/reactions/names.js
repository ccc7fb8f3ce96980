// The phone's reaction buttons' accessible labels ("React with thumbs up"); an emoji a deck adds that is not
// listed here is read out as itself. Whole phrases: each language says it its own way. (The console names them
// in reactions/console.js: the phone's first load stays small.)
import { t } from '../i18n.js';

/** @type {Record<string, string>} */
const LABELS = {
  '👍': t('React with thumbs up'),
  '❤️': t('React with heart'),
  '😮': t('React with surprise'),
  '😂': t('React with laughter'),
  '🙏': t('React with thanks'),
  '👏': t('React with applause'),
  '🎉': t('React with celebration'),
  '💡': t('React with an idea'),
  '🤔': t('React with thinking'),
  '😢': t('React with sadness'),
  '🔥': t('React with fire'),
  '💪': t('React with strength'),
  '🤗': t('React with a hug'),
  '👎': t('React with thumbs down'),
};
LABELS['❤'] = LABELS['❤️'];

/** "React with thumbs up". */
export function reactionLabel(/** @type {string} */ emoji) {
  return LABELS[emoji] || t('React with {emoji}', { emoji });
}
