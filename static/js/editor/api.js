// The deck editor's calls to the server: the deck API, the pictures API, the preview and rehearsal
// (docs/contract-additions.md). Every refusal becomes an ApiFailure carrying the server's own code and message.
import { t } from '../i18n.js';

/** @import { DeckData, PollType, Problem, Picture, SlideRef } from './model.js' */

/** A call the server refused (or that never reached it: status 0). */
export class ApiFailure extends Error {
  /**
   * @param {number} status
   * @param {{error?: string, message?: string, problems?: Problem[], slides?: SlideRef[]}} body
   */
  constructor(status, body) {
    super(body.message || t('The server answered with error {status}.', { status }));
    this.status = status;
    this.code = body.error || '';
    /** @type {Problem[]} */
    this.problems = body.problems || [];
    /** @type {SlideRef[]} */
    this.slides = body.slides || [];
  }
}

/**
 * fetch() on this site; a network failure or an error status is thrown as ApiFailure.
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<Response>}
 */
async function call(url, init = {}) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch {
    throw new ApiFailure(0, { error: 'offline', message: t('The server cannot be reached. Check your connection and try again.') });
  }
  if (response.ok) return response;
  /** @type {Record<string, any>} */
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (response.status === 401 || response.status === 403) {
    if (!body.problems) body.message = t('Your facilitator sign-in is missing or has expired. Open the link printed by workshop serve again.');
  }
  throw new ApiFailure(response.status, body);
}

const deckUrl = (/** @type {string} */ id) => `/api/decks/${encodeURIComponent(id)}`;
const json = { 'Content-Type': 'application/json', Accept: 'application/json' };

/**
 * The deck as data (no YAML parser here) and its version.
 * @param {string} id
 * @returns {Promise<{deck: DeckData, etag: string}>}
 */
export async function loadDeck(id) {
  const response = await call(`${deckUrl(id)}?format=json`, { headers: { Accept: 'application/json' } });
  return { deck: await response.json(), etag: response.headers.get('ETag') || '' };
}

/**
 * The deck's problems as a save would find them (none: it may be saved).
 * @param {string} id
 * @param {DeckData} deck
 * @returns {Promise<Problem[]>}
 */
export async function validateDeck(id, deck) {
  try {
    await call(`/api/decks/validate?deck=${encodeURIComponent(id)}`, { method: 'POST', headers: json, body: JSON.stringify(deck) });
    return [];
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 422) return error.problems;
    throw error;
  }
}

/**
 * Save the deck over the version `etag`; the new version.
 * @param {string} id
 * @param {DeckData} deck
 * @param {string} etag
 * @returns {Promise<string>}
 */
export async function saveDeck(id, deck, etag) {
  const response = await call(deckUrl(id), { method: 'PUT', headers: { ...json, 'If-Match': etag }, body: JSON.stringify(deck) });
  return response.headers.get('ETag') || '';
}

/**
 * A slide body as the presenter shows it (the server's renderer and sanitising).
 * @param {string} id
 * @param {string} body
 * @param {AbortSignal} signal
 * @returns {Promise<string>}
 */
export async function previewBody(id, body, signal) {
  const response = await call(`${deckUrl(id)}/preview`, { method: 'POST', headers: json, body: JSON.stringify({ body }), signal });
  const answer = await response.json();
  return typeof answer.html === 'string' ? answer.html : '';
}

/** The poll types the server knows (its registry). @returns {Promise<PollType[]>} */
export async function pollTypes() {
  const response = await call('/api/poll-types', { headers: { Accept: 'application/json' } });
  return response.json();
}

/**
 * How many live sessions run on the deck now (null when the list does not say).
 * @param {string} id
 * @returns {Promise<number | null>}
 */
export async function sessionsInUse(id) {
  const response = await call('/api/decks', { headers: { Accept: 'application/json' } });
  /** @type {{id: string, in_use?: number}[]} */
  const decks = await response.json();
  const found = decks.find((deck) => deck.id === id);
  return found && typeof found.in_use === 'number' ? found.in_use : null;
}

/** The deck's pictures. @returns {Promise<Picture[]>} */
export async function listPictures(/** @type {string} */ id) {
  const response = await call(`${deckUrl(id)}/media`, { headers: { Accept: 'application/json' } });
  return response.json();
}

/**
 * Upload a picture under `name` (replacing one of that name); whether it was new.
 * @param {string} id
 * @param {string} name
 * @param {Blob} file
 * @returns {Promise<boolean>}
 */
export async function uploadPicture(id, name, file) {
  const response = await call(`${deckUrl(id)}/media/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json' },
    body: file,
  });
  return response.status === 201;
}

/** Delete a picture (refused while a saved slide shows it). */
export async function deletePicture(/** @type {string} */ id, /** @type {string} */ name) {
  await call(`${deckUrl(id)}/media/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

/**
 * Start a private practice session of the saved deck; where to go to rehearse it.
 * @param {string} id
 * @returns {Promise<string>}
 */
export async function startRehearsal(id) {
  const response = await call('/api/sessions', { method: 'POST', headers: json, body: JSON.stringify({ deck: id, practice: true }) });
  const session = await response.json();
  if (!session || typeof session.rehearse_url !== 'string' || !session.rehearse_url) {
    throw new ApiFailure(response.status, { error: 'no_rehearsal', message: t('This server cannot start rehearsals yet: it did not answer with a rehearsal page.') });
  }
  // Same origin as this page: the public URL may name another address of this machine.
  const target = new URL(session.rehearse_url, window.location.href);
  return target.pathname + target.search;
}
