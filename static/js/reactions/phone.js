// The phone's reaction buttons: a row under the poll, shown only while the facilitator allows reactions,
// disabled while offline (it follows the socket itself). A tap pulses its button and sends `react`; nothing waits on it, so answering a
// poll is never held up.
import { h, setText, show } from '../dom.js';
import { request } from '../socket.js';
import { reactionLabel } from './names.js';
import { t } from '../i18n.js';

/** @import { LiveSocket, ReactionsState } from '../types.js' */

/**
 * Put the reaction buttons in `container` and keep them in step with the session.
 * @param {HTMLElement} container
 * @param {LiveSocket} socket
 */
export function phoneReactions(container, socket) {
  /** @type {ReactionsState} */
  let reactions = { enabled: false, set: [] };
  let connected = socket.connected;
  let shownSet = '';
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let statusTimer;
  const row = h('div', { class: 'reaction-row', role: 'group', 'aria-label': t('Reactions'), 'data-testid': 'reaction-row' });
  const status = h('p', { class: 'reaction-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'reaction-status' });
  container.append(row, status);

  function render() {
    const key = reactions.set.join(' ');
    if (key !== shownSet) {
      shownSet = key;
      row.replaceChildren(
        ...reactions.set.map((emoji) => {
          const button = h('button', { type: 'button', class: 'reaction-button', 'aria-label': reactionLabel(emoji), 'data-emoji': emoji, 'data-testid': 'reaction' }, emoji);
          button.addEventListener('click', () => send(button, emoji));
          return button;
        }),
      );
    }
    show(container, reactions.enabled && reactions.set.length > 0);
    for (const button of row.querySelectorAll('button')) button.disabled = !connected;
  }

  function say(/** @type {string} */ text) {
    setText(status, text);
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => setText(status, ''), 2500);
  }

  async function send(/** @type {HTMLButtonElement} */ button, /** @type {string} */ emoji) {
    button.classList.remove('is-sent');
    void button.offsetWidth; // restart the pulse on a quick second tap
    button.classList.add('is-sent');
    setTimeout(() => button.classList.remove('is-sent'), 600); // a timer, not animationend: reduced motion has no animation
    const res = await request(socket, 'react', { emoji });
    if (res.ok) say(t('Sent {emoji}', { emoji }));
    else if (res.error === 'rate_limited') say(t('A few at a time — try again in a moment'));
    else if (res.error === 'forbidden') say(t('Reactions are off right now'));
    else say(t('Not sent — check your connection'));
  }

  /** @param {ReactionsState | undefined} next */
  function set(next) {
    if (!next || !Array.isArray(next.set)) return;
    reactions = { enabled: Boolean(next.enabled), set: next.set };
    render();
  }

  socket.on('session_state', (s) => set(s && s.reactions));
  socket.on('reactions_changed', (next) => set(next));
  socket.on('connect', () => setConnected(true));
  socket.on('disconnect', () => setConnected(false));
  function setConnected(/** @type {boolean} */ value) {
    connected = value;
    render();
  }
  render();
}
