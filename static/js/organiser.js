// Organiser page: end a live session, or delete a session's data now, each after a confirmation that says
// what happens.
import { $$, element } from './dom.js';

const problem = element('#manage-error', HTMLElement);

/** @param {string} message */
function showProblem(message) {
  problem.textContent = message;
  problem.hidden = false;
  problem.focus();
}

/** @param {Response} response */
async function reason(response) {
  if (response.status === 401 || response.status === 403) return 'This browser is no longer logged in as the organiser. Open the organiser link again.';
  if (response.status === 404) return 'That session no longer exists. Reload the page.';
  try {
    const body = await response.json();
    if (body && typeof body.message === 'string') return `The server refused: ${body.message}.`;
  } catch {
    // not JSON: fall through
  }
  return `The server refused (${response.status}). Try again in a moment.`;
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
    showProblem('Could not reach the server. Check that workshop serve is still running, then try again.');
  }
  button.disabled = false;
  button.removeAttribute('aria-busy');
}

for (const button of $$('button[data-action="end"]', HTMLButtonElement)) {
  button.addEventListener('click', () => {
    const label = button.dataset.label || 'this session';
    const ok = window.confirm(`End “${label}” now?\n\nPhones can no longer answer, and the link between phones and answers is deleted. The results stay here for download until their deletion date.`);
    if (ok) act(button, 'POST', `/api/sessions/${encodeURIComponent(button.dataset.session || '')}/end`);
  });
}

for (const button of $$('button[data-action="delete"]', HTMLButtonElement)) {
  button.addEventListener('click', () => {
    const label = button.dataset.label || 'this session';
    const live = button.dataset.live === 'yes' ? ' It is still live: it ends first, and its phones are told.' : '';
    const ok = window.confirm(`Delete all data of “${label}” (${button.dataset.created}) now?\n\nIts results (${button.dataset.answers} answers), its report and its downloads are deleted for good; they cannot be recovered.${live}`);
    if (ok) act(button, 'DELETE', `/api/sessions/${encodeURIComponent(button.dataset.session || '')}`);
  });
}
