// The phone's screen: the slide title or "look at the screen", the poll with its type's answer
// control, the hint and status lines, and the results when the facilitator shows them.
import { pollState } from '../poll-status.js';
import { element, setText, show, setSlideHtml } from '../dom.js';
import { fillResources } from '../resources.js';
import { ResultsView, suppressedMessage } from '../results-view.js';
import { pollType, definitionKey } from '../polls/index.js';
import { hasAnswer } from '../polls/controls.js';
import { t, isolate } from '../i18n.js';

/** @import { AnswerValue, Poll, Slide } from '../types.js' */
/** @import { AnswerContext, AnswerControl } from '../polls/registry.js' */
/** @import { PhoneState } from './state.js' */

/**
 * @param {PhoneState} state
 * @param {(poll: Poll) => AnswerContext} contextFor  what the answer controls may ask of the page
 */
export function createPhoneView(state, contextFor) {
  const els = {
    title: element('#slide-title', HTMLElement),
    waiting: element('#waiting', HTMLElement),
    poll: element('#poll', HTMLElement),
    question: element('#poll-question', HTMLElement),
    hint: element('#poll-hint', HTMLElement),
    form: element('#poll-form', HTMLFormElement),
    status: element('#answer-status', HTMLElement),
    resultsWrap: element('#phone-results-wrap', HTMLElement),
    results: element('#phone-results', HTMLElement),
    slide: element('#phone-slide', HTMLElement),
    slideBody: element('#phone-slide-body', HTMLElement),
    resources: element('#phone-resources', HTMLElement),
  };
  /** Phones show slide content: the deck's `phone_slides` or the console's switch (a slide's `phone:` wins). */
  let phoneSlides = false;
  const resultsView = new ResultsView(els.results, { variant: 'phone', announceEvery: 10000 });
  /** @type {AnswerControl | null} the built control for the current poll */
  let controls = null;
  /** @type {string | null} which poll definition `controls` was built for */
  let controlsKey = null;

  const currentPoll = () => (state.slide && state.slide.poll) || null;

  /** A new slide: its title, and its poll or the waiting note. */
  function showSlide(/** @type {Slide} */ slide, /** @type {boolean} */ pollChanged) {
    // The join slide asks people to join; a phone showing it has joined already, so it says so.
    setText(els.title, slide.kind === 'join' ? t('You’re in') : slide.title || t('Workshop'));
    renderSlideContent(slide);
    const poll = slide.poll;
    show(els.waiting, !poll);
    show(els.poll, Boolean(poll));
    if (!poll) {
      controls = null;
      controlsKey = null;
      els.form.replaceChildren();
      resultsView.reset();
      return;
    }
    if (pollChanged) {
      // Another poll, or this one's answers cleared by the facilitator: its control starts empty.
      resultsView.reset();
      controls = null;
      controlsKey = null;
    }
    renderPoll();
  }

  /** The slide's own content under its title, when phones show it (the same HTML as the presenter's). */
  function renderSlideContent(/** @type {Slide} */ slide) {
    const shown = slide.kind !== 'join' && (typeof slide.phone === 'boolean' ? slide.phone : phoneSlides);
    const resources = shown && slide.resources && slide.resources.items.length ? slide.resources : null;
    setSlideHtml(els.slideBody, shown ? slide.html : '');
    show(els.slideBody, Boolean(shown && slide.html));
    fillResources(els.resources, resources);
    show(els.slide, Boolean(shown && (slide.html || resources)));
  }

  /** The poll: question, control (rebuilt only for another poll), open or closed, status, results. */
  function renderPoll() {
    const poll = currentPoll();
    if (!poll) return;
    setText(els.question, poll.question);
    const key = definitionKey(poll);
    if (!controls || controlsKey !== key) {
      controls = pollType(poll.type).control(poll, contextFor(poll));
      controlsKey = key;
      els.form.replaceChildren(...controls.nodes);
    }
    const open = poll.status === 'open';
    els.poll.classList.toggle('is-closed', !open);
    controls.setOpen(open);
    controls.setConnected(state.online);
    if (!open) {
      // A closed poll shows what was stored, not an unsaved draft.
      delete state.drafts[poll.id];
      controls.showValue(state.myAnswers[poll.id]);
    }
    renderHint();
    renderStatus();
    renderResults();
  }

  /** What to do now ("Tap one answer."), or that the poll is closed. */
  function renderHint() {
    const poll = currentPoll();
    if (!poll) return;
    const { key } = pollState(poll);
    // Offline the controls are disabled: the hint says why, and that nothing given is lost.
    setText(els.hint, key === 'open' && !state.online ? t('Reconnecting, your answer is kept')
      : key === 'open' ? pollType(poll.type).hint
      : key === 'pending' ? t('Not open yet: you can answer once the facilitator opens it') : t('This poll is closed'));
    els.hint.classList.toggle('is-closed', poll.status !== 'open');
  }

  /** The line under the poll: saving, saved, an error, or (closed) the answer given. */
  function renderStatus() {
    const poll = currentPoll();
    if (!poll) return;
    const saved = state.myAnswers[poll.id];
    let text = '';
    let kind = '';
    if (pollState(poll).key === 'pending') {
      text = '';
      kind = 'closed';
    } else if (poll.status !== 'open') {
      text = hasAnswer(saved) ? t('Your answer: {answer}', { answer: isolate(pollType(poll.type).describe(poll, saved)) }) : t('You did not answer this one.');
      kind = 'closed';
    } else if (state.notice && state.notice.poll === poll.id) {
      ({ text, kind } = state.notice);
    } else if (hasAnswer(saved)) {
      text = t('Answer saved — you can change it while the poll is open');
      kind = 'ok';
    }
    setText(els.status, text);
    els.status.dataset.kind = kind;
  }

  /** Results, only while the facilitator shows them to the room. */
  function renderResults() {
    const poll = currentPoll();
    if (!poll) return;
    const results = state.results[poll.id];
    if (!poll.results_visible || !results) {
      show(els.resultsWrap, false);
      return;
    }
    show(els.resultsWrap, true);
    if (results.suppressed) resultsView.showMessage(suppressedMessage(results));
    else resultsView.showChart(poll, results);
  }

  els.form.addEventListener('submit', (event) => {
    if (controls && controls.onSubmit) controls.onSubmit(event);
    else event.preventDefault();
  });

  return {
    showSlide,
    /** The facilitator (or the deck) shows slide content on phones, or only titles. */
    setPhoneSlides(/** @type {boolean} */ visible) {
      phoneSlides = visible;
      if (state.slide && !state.ended) renderSlideContent(state.slide);
    },
    renderPoll,
    renderResults,
    renderStatus,
    /** The connection came or went: controls that send are usable only while online. */
    setConnected(/** @type {boolean} */ online) {
      state.online = online;
      if (controls) controls.setConnected(online);
      renderHint();
    },
    /** Show a value in the current poll's control. */
    showValue(/** @type {AnswerValue | undefined} */ value) {
      if (controls) controls.showValue(value);
    },
  };
}
