// The deck API as the library uses it (docs/contract-additions.md), and what each refusal means to a person.
import { t } from '../i18n.js';

/**
 * One deck as GET /api/decks lists it.
 * @typedef {{id: string, title: string, description: string, lang: string, slides: number, polls: number,
 *   modified: string | null, in_use: number, editable: boolean}} DeckSummary
 */
/** @typedef {{line: number, message: string, path?: string}} Problem */
/**
 * The server's answer: `status` 0 when it could not be reached; `body` the JSON, if any.
 * @typedef {{ok: boolean, status: number, body: any, etag: string | null}} Answer
 */

export const YAML_TYPE = 'application/yaml';
export const MAX_DECK_BYTES = 512 * 1024;

/**
 * @param {string} method
 * @param {string} url
 * @param {{json?: unknown, yaml?: BodyInit, headers?: Record<string, string>}} [options]
 * @returns {Promise<Answer>}
 */
async function call(method, url, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  /** @type {BodyInit | undefined} */
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.yaml !== undefined) {
    headers['Content-Type'] = YAML_TYPE;
    body = options.yaml;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    return { ok: false, status: 0, body: null, etag: null };
  }
  let parsed = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
  }
  return { ok: response.ok, status: response.status, body: parsed, etag: response.headers.get('ETag') };
}

const deckUrl = (/** @type {string} */ id) => `/api/decks/${encodeURIComponent(id)}`;

/** Every deck. */
export const listDecks = () => call('GET', '/api/decks');

/** The deck's current version (its ETag), for a replacement. */
export const currentVersion = (/** @type {string} */ id) => call('HEAD', deckUrl(id));

/**
 * Save a deck's YAML: a new deck without `etag`, a replacement with it.
 * @param {string} id
 * @param {BodyInit} yaml
 * @param {string | null} [etag]
 */
export function saveYaml(id, yaml, etag = null) {
  return call('PUT', deckUrl(id), { yaml, headers: etag ? { 'If-Match': etag } : {} });
}

/** Check a deck file without saving it: 200, or 422 with its problems. */
export const validateYaml = (/** @type {BodyInit} */ yaml) => call('POST', '/api/decks/validate', { yaml });

/** Copy a deck and its pictures under a new id and title. */
export const copyDeck = (/** @type {string} */ id, /** @type {string} */ to, /** @type {string} */ title) =>
  call('POST', `${deckUrl(id)}/copy`, { json: { to, title } });

/** Give a deck a new id. */
export const renameDeck = (/** @type {string} */ id, /** @type {string} */ to) =>
  call('POST', `${deckUrl(id)}/rename`, { json: { to } });

/** Delete a deck's file. */
export const deleteDeck = (/** @type {string} */ id) => call('DELETE', deckUrl(id));

/** Start a private practice session of a deck. */
export const startRehearsal = (/** @type {string} */ id) =>
  call('POST', '/api/sessions', { json: { deck: id, practice: true } });

/** Where a deck's YAML downloads from. */
export const downloadUrl = (/** @type {string} */ id) => `${deckUrl(id)}?download=1`;

/** Where a deck's editor is. */
export const editorUrl = (/** @type {string} */ id) => `/decks/${encodeURIComponent(id)}/edit`;

/**
 * The problems of a 422 answer.
 * @param {Answer} answer
 * @returns {Problem[]}
 */
export function problemsOf(answer) {
  const problems = answer.body && Array.isArray(answer.body.problems) ? answer.body.problems : [];
  return problems.filter((/** @type {unknown} */ item) => item && typeof item === 'object');
}

/**
 * What went wrong, for a person: one sentence in the page's language.
 * @param {Answer} answer
 */
export function describeFailure(answer) {
  const code = answer.body && typeof answer.body.error === 'string' ? answer.body.error : '';
  if (answer.status === 0) {
    return t('The server could not be reached. Check that workshop serve is still running, then try again.');
  }
  if (answer.status === 401 || answer.status === 403) {
    if (code === 'unsafe_path') return t('This deck is stored through a link on the server, so it cannot be changed here.');
    return t('Your facilitator sign-in is missing or has expired. Open the link printed by workshop serve again.');
  }
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
    default:
      return t('Something went wrong (error {status}). Please try again.', { status: answer.status });
  }
}
