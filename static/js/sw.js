// The phones' service worker, served at /sw.js by workshop/web.py (`service_worker`) and registered by
// participant/service-worker.js for the participant pages only (scope /j/). A phone that reloads while
// the server cannot be reached gets our offline page (templates/offline.html), which retries by itself.
// Network first, always: the participant page, the API and Socket.IO are never answered from the cache,
// so a phone never sees stale state; the cache holds only the offline page and the files it loads.

/** @typedef {Event & {waitUntil(promise: Promise<unknown>): void}} ExtendableEvent */
/** @typedef {ExtendableEvent & {request: Request, respondWith(response: Promise<Response>): void}} FetchEvent */
/**
 * The worker's global scope, as far as used here (tsc checks this file with the DOM's types, which lack it).
 * @typedef {object} WorkerScope
 * @property {() => Promise<void>} skipWaiting
 * @property {{claim(): Promise<void>}} clients
 * @property {Location} location
 * @property {((type: 'install' | 'activate', listener: (event: ExtendableEvent) => void) => void)
 *   & ((type: 'fetch', listener: (event: FetchEvent) => void) => void)} addEventListener
 */

const sw = /** @type {WorkerScope} */ (/** @type {unknown} */ (self));

// Filled in by the server: a cache name that changes with any precached byte, the offline page's URL,
// and every URL to precache (the page first).
const OFFLINE = /** @type {{cache: string, page: string, urls: string[]}} */ ({ cache: 'workshop-offline-dev', page: '', urls: [] });
const CACHE_PREFIX = 'workshop-offline-';
const PRECACHED = new Set(OFFLINE.urls.map((url) => new URL(url, sw.location.href).href));
// What a proxy in front of the app (or the app without its Redis) answers while it is down: as good as no answer.
const SERVER_DOWN = new Set([502, 503, 504]);

sw.addEventListener('install', (event) => {
  // 'reload': fetched from the server, not from the browser's HTTP cache.
  event.waitUntil(caches.open(OFFLINE.cache)
    .then((cache) => cache.addAll(OFFLINE.urls.map((url) => new Request(url, { cache: 'reload' }))))
    .then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== OFFLINE.cache)
      .map((name) => caches.delete(name))))
    .then(() => sw.clients.claim()));
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  if (request.mode === 'navigate') event.respondWith(pageOrOffline(request));
  else if (PRECACHED.has(request.url)) event.respondWith(networkOrCache(request));
  // Anything else (Socket.IO, the API, /healthz) is not touched: the browser fetches it as usual.
});

/** The page from the server; the offline page only when the server cannot answer. */
async function pageOrOffline(/** @type {Request} */ request) {
  /** @type {Response | null} */
  let response = null;
  try {
    response = await fetch(request);
    if (!SERVER_DOWN.has(response.status)) return response;
  } catch {
    // no answer at all: the server or the network is down
  }
  const offline = await caches.match(OFFLINE.page, { cacheName: OFFLINE.cache });
  return offline || response || Response.error();
}

/** A precached file from the server, or from the cache when the server cannot answer (the offline page's). */
async function networkOrCache(/** @type {Request} */ request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(request, { cacheName: OFFLINE.cache });
    if (cached) return cached;
    throw error;
  }
}
