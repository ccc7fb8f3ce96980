// The console's reactions: an on/off switch (also the `e` key) and the current slide's tally.
import { h } from '../dom.js';
import { request, ackMessage } from '../socket.js';
import { reactionLabel } from './names.js';

/** @import { LiveSocket, ReactionsState } from '../types.js' */

/**
 * Build the reactions control in `container`.
 * @param {HTMLElement} container
 * @param {LiveSocket} socket
 * @param {(text: string, kind?: string) => void} note  the console's message line
 * @returns {{toggle: () => void}}
 */
export function consoleReactions(container, socket, note) {
  /** @type {ReactionsState} */
  let reactions = { enabled: false, set: [] };
  /** @type {Record<string, number>} */
  let tally = {};
  let connected = socket.connected;
  let busy = false;
  const label = h('span', { class: 'group-label', id: 'reactions-heading' }, 'Reactions');
  const button = h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'reactions-toggle', 'aria-pressed': 'false' }, 'Allow reactions');
  const counts = h('span', { class: 'reaction-slide-tally', 'data-testid': 'reaction-slide-tally', 'aria-label': 'Reactions on this slide' });
  container.append(label, button, counts);

  function render() {
    button.setAttribute('aria-pressed', String(reactions.enabled));
    // One label, its state in aria-pressed (as the console's other switches): a label that flips reads ambiguously.
    button.title = reactions.enabled ? 'Phones can react now; click (or E) to switch reactions off' : 'Click (or E) to let phones react';
    button.disabled = !connected || busy;
    counts.replaceChildren(
      ...reactions.set.map((emoji) =>
        h('span', { class: 'reaction-slide-count', title: reactionLabel(emoji).replace('React with ', ''), 'data-emoji': emoji }, emoji, ' ', h('b', {}, String(tally[emoji] || 0)))),
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
