// The offline page (templates/offline.html), which the service worker (sw.js) shows a phone that reloads
// while the server cannot be reached. It asks /healthz, less often as time goes on, and once the server
// answers reloads the page the phone was on (still its URL): that page rejoins with the stored token.
// Standalone (no imports), so the worker precaches just this file for it.

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 8000;
// A join page's path; its code is shown as on the phone page, so the phone still says which workshop.
const JOIN_PATH = /^\/j\/([^/]+)\/?$/;

// The page's own words, in its language (offline.html): this file has no imports, so no catalogue of its own.
const { health = '/healthz', home = '/', back = '', still = '' } = document.body.dataset;
const status = document.getElementById('offline-status');
const retryButton = document.getElementById('offline-retry');
const code = joinCode();
let attempt = 0;
let checking = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

/** The join code in this page's URL, as the phone page shows it; null elsewhere (e.g. /offline itself). */
function joinCode() {
  const match = JOIN_PATH.exec(window.location.pathname);
  if (!match) return null;
  let typed = match[1];
  try {
    typed = decodeURIComponent(typed);
  } catch {
    return null;
  }
  const normal = typed.replace(/[\s\-\u2010-\u2015\u2212]/g, '').toUpperCase();
  return /^[A-Z0-9]{1,16}$/.test(normal) ? normal : null;
}

/** Say how it is going, in the live region; only when the words change, so a screen reader is not nagged. */
function say(/** @type {string} */ text) {
  if (status && status.textContent !== text) status.textContent = text;
}

/** Ask the server once; reload if it answers, else ask again later (with jitter: a room retries together). */
async function check() {
  if (checking) return;
  checking = true;
  clearTimeout(timer);
  let up = false;
  try {
    up = (await fetch(health, { cache: 'no-store' })).ok;
  } catch {
    up = false;
  }
  checking = false;
  if (up) {
    say(back);
    if (code) window.location.reload();
    else window.location.assign(home);
    return;
  }
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt) * (0.75 + Math.random() / 2);
  attempt += 1;
  say(still);
  timer = setTimeout(check, delay);
}

if (code) {
  const chip = document.querySelector('#offline-code .code-chip');
  if (chip) chip.textContent = code;
  document.getElementById('offline-code')?.removeAttribute('hidden');
}
retryButton?.addEventListener('click', () => void check());
// A phone back on the network, or back from the lock screen (where timers are held back), asks at once.
window.addEventListener('online', () => void check());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void check();
});
timer = setTimeout(check, FIRST_DELAY_MS);

export {};
