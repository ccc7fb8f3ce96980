// The console's Q&A panel: the open/close switch, the moderation mode, and every question with its status,
// votes and buttons (approve, hide, answered, pin). Pending ones come first and stand out.
import { h, setText, show } from '../dom.js';
import { ackMessage, request } from '../socket.js';
import { followQuestions, questionText, syncList, votesText } from './common.js';
import { t, nt, formatNumber } from '../i18n.js';

/** @import { LiveSocket, Question, QuestionsState } from '../types.js' */

const STATUS_LABEL = { pending: t('Waiting for approval'), shown: t('Shown'), hidden: t('Hidden') };

/**
 * @param {LiveSocket} socket
 * @param {HTMLElement} root  the console's `#qa-panel` (template: templates/console.html)
 */
export function createConsoleQuestions(socket, root) {
  const openButton = /** @type {HTMLButtonElement} */ (root.querySelector('#qa-open'));
  const mode = /** @type {HTMLSelectElement} */ (root.querySelector('#qa-moderation'));
  const summary = /** @type {HTMLElement} */ (root.querySelector('#qa-summary'));
  const message = /** @type {HTMLElement} */ (root.querySelector('#qa-message'));
  const list = /** @type {HTMLElement} */ (root.querySelector('#qa-list'));
  const empty = /** @type {HTMLElement} */ (root.querySelector('#qa-empty'));
  // In the sticky header: questions waiting for approval are seen on every slide, not only below the fold.
  const alert = /** @type {HTMLAnchorElement | null} */ (document.querySelector('#qa-alert'));
  /** @type {QuestionsState} */
  let qa = { open: false, questions: [], moderation: 'none' };

  function complain(/** @type {import('../types.js').Ack} */ reply) {
    show(message, !reply.ok);
    if (!reply.ok) setText(message, ackMessage(reply.error));
  }

  async function setQa(/** @type {object} */ change) {
    const reply = await request(socket, 'set_qa', change);
    complain(reply);
    if (reply.ok && reply.qa) update(reply.qa);
  }

  openButton.addEventListener('click', () => setQa({ open: !qa.open }));
  mode.addEventListener('change', () => setQa({ moderation: mode.value }));

  async function moderate(/** @type {string} */ id, /** @type {string} */ action) {
    complain(await request(socket, 'moderate_question', { question: id, action }));
  }

  /** @param {Question} question */
  function build(question) {
    const actions = h('div', { class: 'qa-actions', role: 'group', 'aria-label': t('Moderate this question') });
    const item = h('li', { class: 'qa-console-item', 'data-testid': 'qa-console-item' },
      h('div', { class: 'qa-console-head' }, questionText(question.text),
        h('span', { class: 'qa-meta', 'data-testid': 'qa-meta' })),
      actions);
    /** @type {[string, string][]} */
    const buttons = [['approve', t('Approve')], ['hide', t('Hide')], ['answered', t('Answered')], ['pin', t('Pin')], ['unpin', t('Unpin')]];
    for (const [action, label] of buttons) {
      const button = h('button', { type: 'button', class: 'btn btn-small btn-secondary needs-connection',
        'data-action': action, 'data-testid': `qa-${action}` }, label);
      button.addEventListener('click', () => moderate(item.dataset.id || '', action));
      actions.append(button);
    }
    return item;
  }

  /** @param {HTMLElement} el @param {Question} question */
  function fill(el, question) {
    const status = question.status || 'shown';
    el.dataset.status = status;
    el.dataset.pinned = question.pinned ? 'true' : 'false';
    const text = /** @type {HTMLElement} */ (el.querySelector('.qa-text'));
    if (text.textContent !== question.text) text.textContent = question.text;
    const parts = [STATUS_LABEL[status], votesText(question.votes)];
    if (question.answered) parts.push(t('answered'));
    if (question.pinned) parts.push(t('pinned on screen'));
    setText(el.querySelector('.qa-meta'), parts.join(' · '));
    /** @type {Record<string, boolean>} */
    const visible = {
      approve: status !== 'shown', hide: status !== 'hidden', answered: status === 'shown' && !question.answered,
      pin: status !== 'hidden' && !question.pinned, unpin: question.pinned,
    };
    for (const button of Array.from(el.querySelectorAll('button[data-action]'))) {
      if (button instanceof HTMLButtonElement) {
        button.hidden = !visible[button.dataset.action || ''];
        if (button.dataset.action === 'approve') setText(button, status === 'hidden' ? t('Show again') : t('Approve'));
      }
    }
  }

  function update(/** @type {QuestionsState} */ next) {
    qa = next;
    openButton.setAttribute('aria-pressed', qa.open ? 'true' : 'false');
    setText(openButton, qa.open ? t('Close Q&A') : t('Open Q&A'));
    if (qa.moderation) mode.value = qa.moderation;
    const pending = qa.questions.filter((q) => q.status === 'pending').length;
    const count = qa.questions.length;
    const parts = [qa.open ? t('Open') : t('Closed'), nt('{n} question', '{n} questions', count, { n: formatNumber(count) })];
    if (pending) parts.push(nt('{n} waiting', '{n} waiting', pending, { n: formatNumber(pending) }));
    setText(summary, parts.join(' · '));
    summary.dataset.state = qa.open ? 'open' : 'closed';
    if (alert) {
      setText(alert, nt('{n} question waiting', '{n} questions waiting', pending, { n: formatNumber(pending) }));
      show(alert, pending > 0);
    }
    // Pending first (they need the facilitator), then by votes as everyone sees them; hidden last.
    const rank = (/** @type {Question} */ q) => (q.status === 'pending' ? 0 : q.status === 'hidden' ? 2 : 1);
    const ordered = qa.questions.map((q, index) => ({ q, index }))
      .sort((a, b) => rank(a.q) - rank(b.q) || a.index - b.index).map(({ q }) => q);
    syncList(list, ordered, (q) => q.id, build, fill);
    show(empty, ordered.length === 0);
  }

  followQuestions(socket, (next) => update(next));
}
