// The presenter's Q&A panel: the pinned question large, then the top unanswered questions by votes (oldest
// first among equals), gliding to their new places as votes come in. Shown while Q&A is open or a question is
// pinned; over a poll's results it shrinks to the pinned question (static/css/app.css, .stage-qa).
import { h, setText, show } from '../dom.js';
import { followQuestions, questionText, reorderSmoothly, syncList, votesText } from './common.js';
import { t, nt, formatNumber } from '../i18n.js';

/** @import { LiveSocket, Question, QuestionsState } from '../types.js' */

export const TOP = 5;

/**
 * @param {LiveSocket} socket
 * @param {HTMLElement} root  the presenter's `#stage-qa` (template: templates/presenter.html)
 */
export function createStageQuestions(socket, root) {
  const pinned = /** @type {HTMLElement} */ (root.querySelector('#stage-qa-pinned'));
  const list = /** @type {HTMLElement} */ (root.querySelector('#stage-qa-list'));
  const note = /** @type {HTMLElement} */ (root.querySelector('#stage-qa-note'));

  /** @param {Question} question */
  const build = (question) => h('li', { class: 'stage-qa-item', 'data-testid': 'stage-qa-item' },
    questionText(question.text), h('span', { class: 'stage-qa-votes' }));

  /** @param {HTMLElement} el @param {Question} question */
  function fill(el, question) {
    const text = /** @type {HTMLElement} */ (el.querySelector('.qa-text'));
    if (text.textContent !== question.text) text.textContent = question.text;
    setText(el.querySelector('.stage-qa-votes'), votesText(question.votes));
  }

  followQuestions(socket, (/** @type {QuestionsState} */ qa) => {
    const top = qa.questions.find((q) => q.pinned);
    show(root, qa.open || Boolean(top));
    root.dataset.pinned = top ? 'true' : 'false';
    show(pinned, Boolean(top));
    pinned.replaceChildren();
    if (top) pinned.append(questionText(top.text, 'qa-text stage-qa-pinned-text'), h('span', { class: 'stage-qa-votes' }, votesText(top.votes)));
    const waiting = qa.questions.filter((q) => !q.answered && !q.pinned);
    reorderSmoothly(list, () => syncList(list, waiting.slice(0, TOP), (q) => q.id, build, fill));
    const answered = qa.questions.filter((q) => q.answered).length;
    const state = qa.open ? t('Vote on your phone') : t('Questions are closed');
    setText(note, qa.questions.length === 0 ? (qa.open ? t('Ask yours on your phone') : '')
      : answered ? `${state} · ${nt('{n} answered', '{n} answered', answered, { n: formatNumber(answered) })}` : state);
  });
}
