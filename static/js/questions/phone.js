// The phone's Q&A: while the facilitator has Q&A open, a box to ask a question (with a counter and a status
// line) and the shown questions, each with an upvote toggle. Which questions are this phone's own is not
// kept anywhere: the status line says what became of the one just sent.
import { h, setText, show } from '../dom.js';
import { ackMessage, request } from '../socket.js';
import { followQuestions, questionText, reorderSmoothly, syncList, votesText } from './common.js';
import { t, nt, formatNumber } from '../i18n.js';

/** @import { LiveSocket, Question, QuestionsState } from '../types.js' */

export const MAX_LENGTH = 200; // code points, as the server counts (workshop/questions.py)

/** @type {Record<string, string>} why a question or vote was refused, by the reason the server gives */
const REFUSALS = {
  full: t('This session has as many questions as it can take.'),
  not_found: t('That question is not on the list any more.'),
  ended: t('The session has ended.'),
  closed: t('Questions are closed right now.'),
};

/**
 * Why a question or vote was refused, in the phone's language: the server adds its reason (and, for the
 * per-minute limit, the numbers) to the acknowledgement.
 * @param {import('../types.js').Ack} reply
 */
function refusal(reply) {
  if (reply.reason !== 'per_minute') return REFUSALS[reply.reason || ''] || ackMessage(reply.error);
  const wait = reply.retry_after || 1;
  const limit = reply.per_minute || 1;
  const perMinute = nt('You can ask {n} question a minute.', 'You can ask {n} questions a minute.', limit, { n: formatNumber(limit) });
  const later = nt('Try again in {n} second.', 'Try again in {n} seconds.', wait, { n: formatNumber(wait) });
  return t('{limit} {wait}', { limit: perMinute, wait: later });
}

/**
 * @param {LiveSocket} socket
 * @param {HTMLElement} root  the page's `#qa` section (template: templates/participant.html)
 */
export function createPhoneQuestions(socket, root) {
  const field = /** @type {HTMLTextAreaElement} */ (root.querySelector('#qa-text'));
  const counter = /** @type {HTMLElement} */ (root.querySelector('#qa-counter'));
  const send = /** @type {HTMLButtonElement} */ (root.querySelector('#qa-send'));
  const status = /** @type {HTMLElement} */ (root.querySelector('#qa-status'));
  const list = /** @type {HTMLElement} */ (root.querySelector('#qa-list'));
  const empty = /** @type {HTMLElement} */ (root.querySelector('#qa-empty'));
  const form = /** @type {HTMLFormElement} */ (root.querySelector('#qa-form'));
  /** @type {Set<string>} */
  const myVotes = new Set();
  /** @type {Set<string>} votes on their way: the toggle waits for the server */
  const sending = new Set();
  let sendingQuestion = false;
  /** @type {Question[]} */
  let questions = [];

  const length = () => Array.from(field.value.trim()).length;

  function renderCounter() {
    const used = length();
    setText(counter, `${used} / ${MAX_LENGTH}`);
    counter.dataset.over = used > MAX_LENGTH ? 'true' : 'false';
    send.disabled = sendingQuestion || used === 0 || used > MAX_LENGTH;
    if (used > MAX_LENGTH) {
      say(nt('Too long: {n} character over the limit of {max}.', 'Too long: {n} characters over the limit of {max}.', used - MAX_LENGTH,
        { n: formatNumber(used - MAX_LENGTH), max: formatNumber(MAX_LENGTH) }), 'error');
    }
    else if (status.dataset.kind === 'error' && status.dataset.reason === 'length') say('', 'info');
  }

  function say(/** @type {string} */ text, /** @type {'info' | 'error' | 'ok'} */ kind, reason = 'length') {
    setText(status, text);
    status.dataset.kind = kind;
    status.dataset.reason = reason;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (send.disabled) return;
    sendingQuestion = true;
    renderCounter();
    say(t('Sending…'), 'info', 'send');
    const reply = await request(socket, 'ask_question', { text: field.value });
    sendingQuestion = false;
    if (reply.ok) {
      field.value = '';
      say(reply.status === 'pending'
        ? t('Sent. It will appear once the facilitator approves it.')
        : t('Sent. Your question is on the list.'), 'ok', 'send');
    } else {
      say(refusal(reply), 'error', 'send');
    }
    renderCounter();
  });
  field.addEventListener('input', renderCounter);

  async function toggleVote(/** @type {string} */ id) {
    if (sending.has(id)) return;
    const vote = !myVotes.has(id);
    sending.add(id);
    if (vote) myVotes.add(id); else myVotes.delete(id); // shown at once; undone if refused
    render();
    const reply = await request(socket, 'vote_question', { question: id, vote });
    sending.delete(id);
    if (!reply.ok) {
      if (vote) myVotes.delete(id); else myVotes.add(id);
      say(refusal(reply), 'error', 'vote');
    } else {
      const question = questions.find((q) => q.id === id);
      if (question && typeof reply.votes === 'number') question.votes = reply.votes;
    }
    render();
  }

  /** @param {Question} question */
  function build(question) {
    const button = h('button', { type: 'button', class: 'qa-vote', 'data-testid': 'qa-vote' },
      h('span', { class: 'qa-vote-arrow', 'aria-hidden': 'true' }, '▲'), h('span', { class: 'qa-vote-count' }));
    button.addEventListener('click', () => toggleVote(button.closest('li')?.getAttribute('data-id') || ''));
    return h('li', { class: 'qa-item', 'data-testid': 'qa-item' }, questionText(question.text), button);
  }

  /** @param {HTMLElement} el @param {Question} question */
  function fill(el, question) {
    const text = /** @type {HTMLElement} */ (el.querySelector('.qa-text'));
    if (text.textContent !== question.text) text.textContent = question.text;
    el.dataset.answered = question.answered ? 'true' : 'false';
    const button = /** @type {HTMLButtonElement} */ (el.querySelector('.qa-vote'));
    const mine = myVotes.has(question.id);
    button.setAttribute('aria-pressed', mine ? 'true' : 'false');
    button.setAttribute('aria-label', mine ? t('Take back your vote: {votes}', { votes: votesText(question.votes) })
      : t('Vote for this question: {votes}', { votes: votesText(question.votes) }));
    setText(button.querySelector('.qa-vote-count'), question.votes);
    button.disabled = sending.has(question.id);
    let badge = el.querySelector('.qa-badge');
    const label = question.pinned ? t('On screen') : question.answered ? t('Answered') : '';
    if (label && !badge) {
      badge = h('span', { class: 'qa-badge' });
      el.insertBefore(badge, el.firstChild);
    }
    if (badge) {
      if (label) setText(badge, label); else badge.remove();
    }
  }

  function render() {
    reorderSmoothly(list, () => syncList(list, questions, (q) => q.id, build, fill));
    show(empty, questions.length === 0);
  }

  followQuestions(socket, (/** @type {QuestionsState} */ qa, votes) => {
    if (votes) {
      myVotes.clear();
      votes.forEach((id) => myVotes.add(id));
    }
    questions = qa.questions;
    show(root, qa.open);
    render();
  });
  renderCounter();
}
