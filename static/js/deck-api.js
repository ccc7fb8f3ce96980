// The deck pages' one way to the server: the deck API, its pictures, previews, poll types and rehearsals
// (docs/contract-additions.md), for the library (/decks) and the editor (/decks/<id>/edit). Every call resolves
// to an Answer and never throws: each page says in its own words what a refusal means (decks/failure.js,
// editor/failure.js), and the words both pages share are here.
import { t } from './i18n.js';

/**
 * One deck as GET /api/decks lists it.
 * @typedef {{id: string, title: string, description: string, lang: string, slides: number, polls: number,
 *   modified: string | null, in_use: number, editable: boolean}} DeckSummary
 */
/**
 * One problem the server's validator found: `path` names the field (`slides[2].poll.options`).
 * @typedef {{line: number, message: string, path?: string}} Problem
 */
/**
 * The server's answer: `status` 0 when it could not be reached (or the call was aborted); `body` the JSON, if any.
 * @typedef {{ok: boolean, status: number, body: any, etag: string | null}} Answer
 */
/**
 * What a call sends: JSON, a deck's YAML or a file as it is; `signal` aborts it.
 * @typedef {{json?: unknown, yaml?: BodyInit, file?: Blob, headers?: Record<string, string>, signal?: AbortSignal}} Sent
 */

export const YAML_TYPE = 'application/yaml';
export const MAX_DECK_BYTES = 512 * 1024;

/**
 * One request to this site's API.
 * @param {string} method
 * @param {string} url
 * @param {Sent} [sent]
 * @returns {Promise<Answer>}
 */
async function request(method, url, sent = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...(sent.headers || {}) };
  /** @type {BodyInit | undefined} */
  let body;
  if (sent.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(sent.json);
  } else if (sent.yaml !== undefined) {
    headers['Content-Type'] = YAML_TYPE;
    body = sent.yaml;
  } else if (sent.file !== undefined) {
    headers['Content-Type'] = sent.file.type || 'application/octet-stream';
    body = sent.file;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, signal: sent.signal, credentials: 'same-origin', cache: 'no-store' });
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

/** Where a deck's pictures are listed. */
const mediaUrl = (/** @type {string} */ id) => `${deckUrl(id)}/media`;

/** Where one picture (by its file name) is put or deleted. */
const pictureUrl = (/** @type {string} */ id, /** @type {string} */ name) => `${mediaUrl(id)}/${encodeURIComponent(name)}`;

/** Where a deck's YAML downloads from. */
export const downloadUrl = (/** @type {string} */ id) => `${deckUrl(id)}?download=1`;

/** Where a deck's editor is. */
export const editorUrl = (/** @type {string} */ id) => `/decks/${encodeURIComponent(id)}/edit`;

/** Every deck, with how many live sessions show it (`in_use`). */
export const listDecks = () => request('GET', '/api/decks');

/** The deck as data (the editor has no YAML parser) and its version (the ETag). */
export const loadDeck = (/** @type {string} */ id) => request('GET', `${deckUrl(id)}?format=json`);

/** The deck's current version (its ETag), for a replacement. */
export const currentVersion = (/** @type {string} */ id) => request('HEAD', deckUrl(id));

/**
 * Save a deck, as YAML (`{yaml}`) or as the editor's data (`{json}`): a new deck without `etag`, a replacement
 * of that version with it. The answer's ETag is the new version.
 * @param {string} id
 * @param {{yaml: BodyInit} | {json: unknown}} deck
 * @param {string | null} [etag]
 */
export const saveDeck = (id, deck, etag = null) =>
  request('PUT', deckUrl(id), { ...deck, headers: etag ? { 'If-Match': etag } : {} });

/**
 * Check a deck without saving it: 200, or 422 with its problems. `id` names the deck it would be saved as
 * (its pictures are then checked too).
 * @param {{yaml: BodyInit} | {json: unknown}} deck
 * @param {string} [id]
 */
export const validateDeck = (deck, id) =>
  request('POST', id ? `/api/decks/validate?deck=${encodeURIComponent(id)}` : '/api/decks/validate', deck);

/** Copy a deck and its pictures under a new id and title. */
export const copyDeck = (/** @type {string} */ id, /** @type {string} */ to, /** @type {string} */ title) =>
  request('POST', `${deckUrl(id)}/copy`, { json: { to, title } });

/** Give a deck a new id. */
export const renameDeck = (/** @type {string} */ id, /** @type {string} */ to) =>
  request('POST', `${deckUrl(id)}/rename`, { json: { to } });

/** Delete a deck's file. */
export const deleteDeck = (/** @type {string} */ id) => request('DELETE', deckUrl(id));

/** A slide body as the presenter shows it (`body.html`: the server's renderer and sanitising). */
export const previewBody = (/** @type {string} */ id, /** @type {string} */ body, /** @type {AbortSignal} */ signal) =>
  request('POST', `${deckUrl(id)}/preview`, { json: { body }, signal });

/** The poll types the server knows (its registry). */
export const pollTypes = () => request('GET', '/api/poll-types');

/** The deck's pictures. */
export const listPictures = (/** @type {string} */ id) => request('GET', mediaUrl(id));

/** Upload a picture under `name`, replacing one of that name (201: it is new). */
export const uploadPicture = (/** @type {string} */ id, /** @type {string} */ name, /** @type {Blob} */ file) =>
  request('PUT', pictureUrl(id, name), { file });

/** Delete a picture (refused with `in_use` and its `slides` while a saved slide shows it). */
export const deletePicture = (/** @type {string} */ id, /** @type {string} */ name) =>
  request('DELETE', pictureUrl(id, name));

/**
 * Start a private practice session of a saved deck. When it started, `url` is its rehearsal screen on this page's
 * origin; a server that gives no such screen is a refusal with the code `no_rehearsal` and its message.
 * @param {string} id
 * @returns {Promise<Answer & {url: string}>}
 */
export async function startRehearsal(id) {
  const answer = await request('POST', '/api/sessions', { json: { deck: id, practice: true } });
  if (!answer.ok) return { ...answer, url: '' };
  const target = answer.body && typeof answer.body.rehearse_url === 'string' ? answer.body.rehearse_url : '';
  if (!target) {
    const message = t('This server cannot start rehearsals yet: it did not answer with a rehearsal page.');
    return { ...answer, ok: false, body: { error: 'no_rehearsal', message }, url: '' };
  }
  // Same origin as this page: the public URL may name another address of this machine.
  const url = new URL(target, window.location.href);
  return { ...answer, url: url.pathname + url.search };
}

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
 * What both deck pages say alike: to a facilitator whose sign-in the server refused (401, or 403 for anything but a
 * deck kept behind a link on the server), and when the server's disk is too full to save; '' for any other answer.
 * @param {Answer} answer
 */
export function sharedRefusal(answer) {
  const code = answer.body && typeof answer.body.error === 'string' ? answer.body.error : '';
  if (answer.status === 401 || (answer.status === 403 && code !== 'unsafe_path')) {
    return t('Your facilitator sign-in is missing or has expired. Open the link printed by workshop serve again.');
  }
  if (code === 'insufficient_storage') {
    return t('The server’s disk is almost full, so nothing was saved. Ask whoever runs the server to free some space.');
  }
  return '';
}
