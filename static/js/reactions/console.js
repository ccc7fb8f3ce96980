// The console's reactions: the on/off switch (also the `e` key) and the current slide's tally, beside the timer.
import { h } from '../dom.js';
import { request, ackMessage } from '../socket.js';
import { t, formatNumber } from '../i18n.js';

/** @type {Record<string, string>} what each emoji of the default sets is called (the tally's tooltips) */
const NAMES = {
  '👍': t('thumbs up'),
  '❤️': t('heart'),
  '❤': t('heart'),
  '😮': t('surprise'),
  '😂': t('laughter'),
  '🙏': t('thanks'),
  '👏': t('applause'),
  '🎉': t('celebration'),
  '💡': t('an idea'),
  '🤔': t('thinking'),
  '😢': t('sadness'),
  '🔥': t('fire'),
  '💪': t('strength'),
  '🤗': t('a hug'),
  '👎': t('thumbs down'),
};

/** @import { LiveSocket, ReactionsState } from '../types.js' */

/**
 * Drive the reactions switch and fill the tally.
 * @param {HTMLButtonElement} button  the switch (aria-pressed: reactions on)
 * @param {HTMLElement} container  where the slide's tally goes
 * @param {LiveSocket} socket
 * @param {(text: string, kind?: string) => void} note  the console's message line
 * @returns {{toggle: () => void}}
 */
export function consoleReactions(button, container, socket, note) {
  /** @type {ReactionsState} */
  let reactions = { enabled: false, set: [] };
  /** @type {Record<string, number>} */
  let tally = {};
  let connected = socket.connected;
  let busy = false;
  const counts = h('span', { class: 'reaction-slide-tally', 'data-testid': 'reaction-slide-tally' });
  container.append(h('span', { class: 'visually-hidden' }, t('On this slide:')), ' ', counts);

  function render() {
    // One label, its state in aria-pressed (as the console's other switches): a label that flips reads ambiguously.
    button.setAttribute('aria-pressed', String(reactions.enabled));
    button.title = reactions.enabled ? t('Phones can react now; click (or E) to switch reactions off') : t('Click (or E) to let phones react');
    button.disabled = !connected || busy;
    counts.replaceChildren(
      ...reactions.set.map((emoji) =>
        h('span', { class: 'reaction-slide-count', title: NAMES[emoji] || emoji, 'data-emoji': emoji }, emoji, ' ', h('b', {}, formatNumber(tally[emoji] || 0)))),
    );
  }

  async function toggle() {
    if (!connected || busy) return;
    busy = true;
    render();
    const res = await request(socket, 'set_reactions', { enabled: !reactions.enabled });
    busy = false;
    if (res.ok && res.reactions) reactions = res.reactions;
    else if (!res.ok) note(ackMessage(res.error), 'error');
    render();
  }

  button.addEventListener('click', toggle);
  socket.on('session_state', (s) => {
    if (s && s.reactions) reactions = s.reactions;
    tally = (s && s.slide_reactions) || {};
    render();
  });
  socket.on('reactions_changed', (next) => {
    if (next && Array.isArray(next.set)) reactions = next;
    render();
  });
  socket.on('reactions', (message) => {
    if (!message) return;
    if (message.slide_counts) tally = message.slide_counts;
    render();
  });
  socket.on('connect', () => setConnected(true));
  socket.on('disconnect', () => setConnected(false));
  function setConnected(/** @type {boolean} */ value) {
    connected = value;
    render();
  }
  render();
  return { toggle };
}
