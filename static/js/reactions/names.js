// Reactions' names, for the buttons' accessible labels ("React with thumbs up"); an emoji a deck adds that
// is not listed here is read out as itself.

/** @type {Record<string, string>} */
const NAMES = {
  '👍': 'thumbs up',
  '❤️': 'heart',
  '❤': 'heart',
  '😮': 'surprise',
  '😂': 'laughter',
  '🙏': 'thanks',
  '👏': 'applause',
  '🎉': 'celebration',
  '💡': 'an idea',
  '🤔': 'thinking',
  '😢': 'sadness',
  '🔥': 'fire',
  '💪': 'strength',
  '🤗': 'a hug',
  '👎': 'thumbs down',
};

/** "React with thumbs up". */
export function reactionLabel(/** @type {string} */ emoji) {
  return `React with ${NAMES[emoji] || emoji}`;
}
