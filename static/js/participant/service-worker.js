// The offline page: registers the service worker (static/js/sw.js) that shows it when this page is
// reloaded while the server cannot be reached. Browsers allow service workers only in secure contexts
// (HTTPS, localhost, 127.0.0.1): on plain HTTP to a LAN address `navigator.serviceWorker` is absent and
// the phone does without the offline page; everything else works the same.

/** Register the worker for the participant pages, once the page has loaded (after the live connection). */
export function registerOfflinePage() {
  const { serviceWorker: script, serviceWorkerScope: scope } = document.body.dataset;
  if (!('serviceWorker' in navigator) || !script || !scope) return;
  const register = () => {
    navigator.serviceWorker.register(script, { scope }).catch(() => {
      /* refused (a private window, a browser policy): the phone simply has no offline page */
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
