// The deck editor's model: the deck as the server's JSON gives it (the YAML's own data), edited in place.
// Keys the editor has no field for are kept as they are, so a save never drops what a person wrote by hand.
// Pure functions on plain data: nothing here touches the page.

/**
 * A deck, a slide or a poll as plain data (the deck format's keys; docs in shared/CONTRACT.md "Decks").
 * @typedef {Record<string, any>} DeckData
 */

/**
 * A poll type as `GET /api/poll-types` lists it (the server's registry, workshop/polls.py).
 * @typedef {object} PollType
 * @property {string} type
 * @property {string} label
 * @property {string[]} deck_keys  the keys this type takes besides the common ones
 * @property {string[]} common_keys
 */

/** @typedef {{name: string, bytes: number, url: string | null, problem?: string}} Picture */
/** @typedef {{index: number, title: string}} SlideRef */

export const POLL_ID_LIMIT = 40;
export const PICTURE_NAME_LIMIT = 100;

/**
 * A value as a stable string, object keys sorted: two decks with the same data compare equal.
 * @param {unknown} value
 * @returns {string}
 */
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(/** @type {Record<string, unknown>} */ (value)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value === undefined ? null : value);
}

/** A deep copy of plain data. @template T @param {T} value @returns {T} */
export function copy(value) {
  return JSON.parse(JSON.stringify(value));
}

/**
 * Set an optional key, or remove it when the value is empty (so no `notes: ''` lands in the file).
 * @param {DeckData} target
 * @param {string} key
 * @param {unknown} value
 */
export function setOptional(target, key, value) {
  if (value === '' || value === undefined || value === null) delete target[key];
  else target[key] = value;
}

/** The deck's slides, made a list if the file had none. @returns {DeckData[]} */
export function slidesOf(/** @type {DeckData} */ deck) {
  if (!Array.isArray(deck.slides)) deck.slides = [];
  return deck.slides;
}

/**
 * A poll id from a question: lower-case ASCII letters and digits joined by '_', at most 40 characters.
 * @param {string} text
 * @returns {string}
 */
export function slugify(text) {
  const ascii = String(text || '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const words = ascii.match(/[a-z0-9]+/g) || [];
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}_${word}` : word;
    if (next.length > POLL_ID_LIMIT - 3) break; // room for a "_2" to keep it unique
    slug = next;
  }
  return slug || 'poll';
}

/** Every poll id in the deck, but the one of `except` (a poll being renamed). */
function pollIds(/** @type {DeckData} */ deck, /** @type {DeckData | null} */ except) {
  return new Set(
    slidesOf(deck)
      .map((slide) => slide && slide.poll)
      .filter((poll) => poll && poll !== except && typeof poll.id === 'string')
      .map((poll) => poll.id),
  );
}

/**
 * `base`, or `base_2`, `base_3`, ... : an id no other poll of the deck has.
 * @param {DeckData} deck
 * @param {string} base
 * @param {DeckData | null} [except]
 */
export function uniquePollId(deck, base, except = null) {
  const taken = pollIds(deck, except);
  const stem = base.slice(0, POLL_ID_LIMIT - 3).replace(/_+$/, '') || 'poll';
  if (!taken.has(stem)) return stem;
  let number = 2;
  while (taken.has(`${stem}_${number}`)) number += 1;
  return `${stem}_${number}`;
}

/**
 * What a new poll of this type starts with for one of its deck keys (undefined: leave the key out, the format's
 * default applies). By key, not by type: a type's keys come from the server's registry.
 * @param {string} key
 * @returns {unknown}
 */
export function keyDefault(key) {
  if (key === 'options') return ['', ''];
  if (key === 'scale') return { min: 1, max: 5 };
  return undefined;
}

/**
 * A new poll of `type` (the question still to write: the validator says so next to its field).
 * @param {DeckData} deck
 * @param {PollType} type
 * @returns {DeckData}
 */
export function newPoll(deck, type) {
  /** @type {DeckData} */
  const poll = { id: uniquePollId(deck, 'poll'), type: type.type, question: '' };
  for (const key of type.deck_keys) setOptional(poll, key, keyDefault(key));
  return poll;
}

/**
 * Switch a poll to another type: the common keys stay, keys only the old type took go, the new type's are added.
 * @param {DeckData} poll
 * @param {PollType} to
 * @param {PollType[]} types
 */
export function changeType(poll, to, types) {
  const from = types.find((type) => type.type === poll.type);
  for (const key of from ? from.deck_keys : []) {
    if (!to.deck_keys.includes(key)) delete poll[key];
  }
  poll.type = to.type;
  for (const key of to.deck_keys) {
    if (!(key in poll)) setOptional(poll, key, keyDefault(key));
  }
}

/**
 * A copy of a slide for "Duplicate": its poll (if any) gets an id of its own.
 * @param {DeckData} deck
 * @param {DeckData} slide
 * @returns {DeckData}
 */
export function duplicate(deck, slide) {
  const twin = copy(slide);
  if (twin.poll && typeof twin.poll === 'object') {
    twin.poll.id = uniquePollId(deck, typeof twin.poll.id === 'string' ? twin.poll.id : 'poll');
  }
  return twin;
}

/**
 * Move a list item from one place to another (in place).
 * @template T
 * @param {T[]} list
 * @param {number} from
 * @param {number} to
 */
export function move(list, from, to) {
  const [item] = list.splice(from, 1);
  list.splice(to, 0, item);
}

/**
 * Whether a problem's path belongs to a field's path: the same, or inside it (`slides[2].poll` holds
 * `slides[2].poll.options`, but `slides[2]` does not hold `slides[20]`).
 * @param {string} problemPath
 * @param {string} fieldPath
 */
export function within(problemPath, fieldPath) {
  if (problemPath === fieldPath) return true;
  if (!problemPath.startsWith(fieldPath)) return false;
  const next = problemPath.charAt(fieldPath.length);
  return next === '.' || next === '[';
}

/** The slide a problem path points into (`slides[3].poll` -> 3), or -1 for the deck's own keys. */
export function slideOf(/** @type {string | undefined} */ path) {
  const match = /^slides\[(\d+)\]/.exec(path || '');
  return match ? Number(match[1]) : -1;
}

/**
 * The picture files a Markdown body shows (`![alt](name)`), as far as a plain scan can tell; the server's own
 * parser decides, this only warns early.
 * @param {unknown} body
 * @returns {string[]}
 */
export function picturesIn(body) {
  if (typeof body !== 'string') return [];
  return Array.from(body.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), (match) => match[1]);
}

/**
 * A file name the pictures API takes (letters, digits, '.', '_', '-'; starting with a letter or digit), made
 * from what the person's file is called; null when its type is not a picture type.
 * @param {string} fileName
 * @returns {string | null}
 */
export function pictureName(fileName) {
  const match = /^(.*?)(\.(?:svg|png|jpe?g|webp|gif))$/i.exec(fileName.trim());
  if (!match) return null;
  const extension = match[2].toLowerCase();
  const stem = match[1]
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, PICTURE_NAME_LIMIT - extension.length);
  return `${stem || 'picture'}${extension}`;
}

/**
 * Markdown that shows a picture: `![alt](name)`, the alt text on one line with its brackets escaped.
 * @param {string} alt
 * @param {string} name
 */
export function pictureMarkdown(alt, name) {
  const text = alt.replace(/\s+/g, ' ').trim().replace(/([\\[\]])/g, '\\$1');
  return `![${text}](${name})`;
}

/**
 * Text with `snippet` put in at `at` as a paragraph of its own; the new text and where the cursor goes after it.
 * @param {string} text
 * @param {number} at
 * @param {string} snippet
 * @returns {{text: string, cursor: number}}
 */
export function insertParagraph(text, at, snippet) {
  const before = text.slice(0, at);
  const after = text.slice(at);
  const lead = !before || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
  const tail = !after ? '\n' : after.startsWith('\n\n') ? '' : after.startsWith('\n') ? '\n' : '\n\n';
  const inserted = `${lead}${snippet}${tail}`;
  return { text: before + inserted + after, cursor: before.length + inserted.length };
}
