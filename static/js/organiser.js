// Organiser page: end a live session, or delete a session's data now, each after a confirmation that says
// what happens.
import { $$, element } from './dom.js';
import { t, nt, isolate } from './i18n.js';

const problem = element('#manage-error', HTMLElement);

/** @param {string} message */
function showProblem(message) {
  problem.textContent = message;
  problem.hidden = false;
  problem.focus();
}

/** @param {Response} response */
async function reason(response) {
  if (response.status === 401 || response.status === 403) return t('This browser is no longer logged in as the organiser. Open the organiser link again.');
  if (response.status === 404) return t('That session no longer exists. Reload the page.');
  return t('The server refused (error {status}). Try again in a moment.', { status: response.status });
}

/**
 * Send the request; reload the list when it worked.
 * @param {HTMLButtonElement} button
 * @param {string} method
 * @param {string} path
 */
async function act(button, method, path) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(path, { method, credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (response.ok) {
      window.location.reload();
      return;
    }
    showProblem(await reason(response));
  } catch {
    showProblem(t('Could not reach the server. Check that workshop serve is still running, then try again.'));
  }
  button.disabled = false;
  button.removeAttribute('aria-busy');
}

for (const button of $$('button[data-action="end"]', HTMLButtonElement)) {
  button.addEventListener('click', () => {
    const question = button.dataset.label ? t('End “{session}” now?', { session: isolate(button.dataset.label) }) : t('End this session now?');
    const consequence = t('Phones can no longer answer, and the link between phones and answers is deleted. The results stay here for download until their deletion date.');
    const ok = window.confirm(`${question}\n\n${consequence}`);
    if (ok) act(button, 'POST', `/api/sessions/${encodeURIComponent(button.dataset.session || '')}/end`);
  });
}

for (const button of $$('button[data-action="delete"]', HTMLButtonElement)) {
  button.addEventListener('click', () => {
    const answers = Number(button.dataset.answers) || 0;
    const parts = [
      t('Delete all data of “{session}” ({date}) now?', { session: isolate(button.dataset.label || ''), date: button.dataset.created || '' }),
      nt('Its results ({n} answer), its report and its downloads are deleted for good; they cannot be recovered.',
        'Its results ({n} answers), its report and its downloads are deleted for good; they cannot be recovered.', answers, { n: answers }),
    ];
    if (button.dataset.live === 'yes') parts.push(t('It is still live: it ends first, and its phones are told.'));
    const ok = window.confirm(`${parts[0]}\n\n${parts.slice(1).join(' ')}`);
    if (ok) act(button, 'DELETE', `/api/sessions/${encodeURIComponent(button.dataset.session || '')}`);
  });
}
