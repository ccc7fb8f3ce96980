// Facilitator home: start a session from a deck. Participant home: the join form.
import { $$, optionalElement, setText } from './dom.js';
import { t } from './i18n.js';

// One error message, moved next to the deck whose button was pressed.
const errorBox = optionalElement('#start-error', HTMLElement);
const startButtons = () => $$('.btn-start', HTMLButtonElement);

/** Show why the session did not start. */
function showError(/** @type {string} */ text) {
  if (!errorBox) return;
  setText(errorBox, text);
  errorBox.hidden = false;
}

/** Why a start was refused, from its status code, in the page's language (the API's message is English). */
function describeFailure(/** @type {Response} */ response) {
  if (response.status === 400) {
    return t('The session name was not accepted: use at most 80 characters of plain text on one line.');
  }
  if (response.status === 401 || response.status === 403) {
    return t('Your facilitator sign-in is missing or has expired. Open the link printed by workshop serve again.');
  }
  if (response.status === 404) return t('That deck no longer exists. Reload the page to see the current decks.');
  if (response.status === 429) return t('Too many sessions started in a short time. Please wait a moment.');
  if (response.status === 503) return t('The server cannot reach its database right now. Please try again shortly.');
  return t('The session could not be started (error {status}).', { status: response.status });
}

/** The optional session name typed above the decks. */
function sessionName() {
  const field = document.querySelector('#session-name');
  return field instanceof HTMLInputElement ? field.value.trim() : '';
}

/** Start a session of this button's deck and go to its console. */
async function start(/** @type {HTMLButtonElement} */ button) {
  const label = button.textContent;
  if (errorBox) {
    errorBox.hidden = true;
    button.after(errorBox);
  }
  startButtons().forEach((b) => {
    b.disabled = true;
  });
  button.setAttribute('aria-busy', 'true');
  button.classList.add('is-loading');
  setText(button, t('Starting…'));
  try {
    const response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ deck: button.dataset.deck, name: sessionName() }),
      credentials: 'same-origin',
    });
    if (response.status === 201 || response.ok) {
      const session = await response.json();
      if (session && session.facilitator_url) {
        // Same origin as this page: the public URL may name another address of this machine.
        const target = new URL(session.facilitator_url);
        window.location.href = target.pathname + target.search;
        return;
      }
      showError(t('The server started a session but did not say where its console is.'));
    } else {
      showError(describeFailure(response));
    }
  } catch {
    showError(t('Could not reach the server. Check that workshop serve is still running, then try again.'));
  }
  setText(button, label);
  button.removeAttribute('aria-busy');
  button.classList.remove('is-loading');
  startButtons().forEach((b) => {
    b.disabled = false;
  });
}

for (const button of startButtons()) {
  button.addEventListener('click', () => start(button));
}

// Join form: show the code in capitals as it is typed (the server is sent capitals too).
const codeInput = optionalElement('#join-code-input', HTMLInputElement);
if (codeInput) {
  codeInput.addEventListener('input', () => {
    const { selectionStart, selectionEnd } = codeInput;
    const upper = codeInput.value.toUpperCase().replace(/\s+/g, '');
    if (upper !== codeInput.value) {
      codeInput.value = upper;
      codeInput.setSelectionRange(selectionStart, selectionEnd);
    }
  });
}
