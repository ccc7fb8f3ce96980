// Deck ids (their file names on the server) made from titles and file names. The rule is the server's
// (`[a-z0-9][a-z0-9-]{0,63}`, not a reserved word), handed to the page by its template.
import { t } from '../i18n.js';

export const MAX_ID_LENGTH = 64;

// Letters that Unicode does not split into a base letter and an accent, spelled out as people would.
/** @type {Record<string, string>} */
const SPELLED = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/**
 * A deck id from any text: accents dropped, every other run of characters one dash; '' when nothing is left
 * (a title in Arabic script, say).
 * @param {string} text
 */
export function slugify(text) {
  const plain = text
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (letter) => SPELLED[letter] || letter)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  return plain
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_ID_LENGTH)
    .replace(/-+$/, '');
}

/**
 * The first of `base`, `base-2`, `base-3`… that is neither taken nor reserved, cut to fit the length limit.
 * @param {string} base  a slug ('' gives "deck")
 * @param {Set<string>} taken
 * @param {Set<string>} reserved
 */
export function uniqueId(base, taken, reserved) {
  const root = base || 'deck';
  for (let number = 1; ; number += 1) {
    const suffix = number === 1 ? '' : `-${number}`;
    const candidate = root.slice(0, MAX_ID_LENGTH - suffix.length).replace(/-+$/, '') + suffix;
    if (!taken.has(candidate) && !reserved.has(candidate)) return candidate;
  }
}

/**
 * The id a file's name suggests: its name without folders and without `.yaml` / `.yml`.
 * @param {string} fileName
 */
export function idFromFileName(fileName) {
  const name = fileName.split(/[\\/]/).pop() || '';
  return slugify(name.replace(/\.ya?ml$/i, ''));
}

/**
 * Why `id` cannot name a deck, in the page's language, or '' when it can.
 * @param {string} id
 * @param {RegExp} rule  the server's id pattern, anchored
 * @param {Set<string>} reserved
 */
export function idProblem(id, rule, reserved) {
  if (!id) return t('Give the deck a file name.');
  if (!rule.test(id)) {
    return t('Use 1 to 64 small letters a–z, digits and dashes, starting with a letter or a digit.');
  }
  if (reserved.has(id)) return t('“{id}” is a word the server keeps for itself. Choose another file name.', { id });
  return '';
}
