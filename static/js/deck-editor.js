// The deck editor (`/decks/<id>/edit`): a deck's settings and slides in the browser, checked as you type by the
// server's validator (the one check-deck runs), saved as YAML that keeps the file's comments and order.
// Works through the deck API only (docs/contract-additions.md): GET as JSON, PUT JSON with If-Match, validate.
import { element, h, setText } from './dom.js';
import { nt, t } from './i18n.js';
import { listDecks, loadDeck, pollTypes, problemsOf as answerProblems, saveDeck, startRehearsal, validateDeck } from './deck-api.js';
import { deckForm } from './editor/deck-form.js';
import { failureText } from './editor/failure.js';
import { canonical, copy, duplicate, move, newPoll, picturesIn, slideOf, slidesOf } from './editor/model.js';
import { PicturePanel } from './editor/pictures.js';
import { Preview } from './editor/preview.js';
import { fieldFor, focusTarget, placeProblems } from './editor/problems.js';
import { SlideList } from './editor/slide-list.js';
import { insertIntoBody, slideForm } from './editor/slide-form.js';

/** @import { Answer, DeckSummary, Problem } from './deck-api.js' */
/** @import { DeckData, PollType } from './editor/model.js' */

/** @type {{deck: string, languages: {code: string, name: string}[], max_picture_bytes: number}} */
const config = JSON.parse(element('#editor-config', HTMLScriptElement).textContent || '{}');
const deckId = config.deck;
const VALIDATE_MS = 400;
const UNDO_MS = 12000;

const els = {
  heading: element('#deck-heading', HTMLElement),
  saveState: element('#save-state', HTMLElement),
  save: element('#save', HTMLButtonElement),
  rehearse: element('#rehearse', HTMLButtonElement),
  actionError: element('#action-error', HTMLElement),
  inUse: element('#in-use', HTMLElement),
  conflict: element('#conflict', HTMLElement),
  reload: element('#reload', HTMLButtonElement),
  summary: element('#problems', HTMLElement),
  summaryHeading: element('#problems-heading', HTMLElement),
  summaryList: element('#problem-list', HTMLElement),
  settings: element('#deck-settings', HTMLButtonElement),
  slides: element('#slide-list', HTMLOListElement),
  up: element('#move-up', HTMLButtonElement),
  down: element('#move-down', HTMLButtonElement),
  duplicate: element('#duplicate', HTMLButtonElement),
  remove: element('#delete', HTMLButtonElement),
  pane: element('#pane', HTMLElement),
  announcer: element('#announcer', HTMLElement),
  toast: element('#toast', HTMLElement),
  toastText: element('#toast-text', HTMLElement),
  undo: element('#undo', HTMLButtonElement),
};

const state = {
  /** @type {DeckData} */
  deck: {},
  etag: '',
  saved: '', // the data as last loaded or saved (canonical), to tell unsaved changes
  selected: 0, // -1: the deck's settings
  /** @type {Problem[]} */
  problems: [],
  /** @type {PollType[]} */
  types: [],
  loaded: false,
  saving: false,
  conflict: false,
  validation: 0, // the latest validation asked for: older answers are dropped
  checkFailed: false, // the last validation could not reach the server (its message is shown)
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  validateTimer: undefined,
  /** @type {{slide: DeckData, index: number} | null} */
  deleted: null,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  toastTimer: undefined,
};
/** Polls made here whose id still follows their question. */
const autoIds = new Set();
/** @type {HTMLTextAreaElement | null} */
let bodyArea = null;

const preview = new Preview(deckId);
const pictures = new PicturePanel(deckId, {
  maxBytes: config.max_picture_bytes,
  insert: (markdown) => {
    if (!bodyArea || !bodyArea.isConnected) return false;
    insertIntoBody(bodyArea, markdown);
    return true;
  },
  shownOn: (name) => slidesOf(state.deck).flatMap((slide, index) => (slide && picturesIn(slide.body).includes(name) ? [index] : [])),
  picturesChanged: () => {
    preview.forget();
    if (state.selected >= 0) preview.show(state.deck, state.selected);
    scheduleValidation();
  },
});
const list = new SlideList(els.slides, 'slide-keys-hint', {
  select: (index) => select(index),
  move: (from, to) => moveSlide(from, to, true),
});

// ---- state ---------------------------------------------------------------------------------------------------

const dirty = () => state.loaded && canonical(state.deck) !== state.saved;
const dir = () => (state.deck.lang === 'ar' ? 'rtl' : undefined);

/** Say something to screen readers (the visible state line says the lasting part). */
function announce(/** @type {string} */ text) {
  setText(els.announcer, '');
  setTimeout(() => setText(els.announcer, text), 50);
}

/** The line under the title: saved, unsaved, saving, and how many problems stand in the way. */
function renderSaveState() {
  const count = state.problems.length;
  let text = t('Loading the deck…');
  if (state.loaded) {
    if (state.saving) text = t('Saving…');
    else if (!dirty()) text = count ? nt('Saved, but the file has {n} problem to fix', 'Saved, but the file has {n} problems to fix', count, { n: count }) : t('All changes saved');
    else if (count) text = nt('Unsaved changes · {n} problem to fix before saving', 'Unsaved changes · {n} problems to fix before saving', count, { n: count });
    else text = t('Unsaved changes');
  }
  setText(els.saveState, text);
  els.saveState.dataset.state = !state.loaded ? 'loading' : state.saving ? 'saving' : dirty() ? 'dirty' : 'saved';
  els.save.disabled = !state.loaded || state.saving || state.conflict || count > 0 || !dirty();
  document.title = `${dirty() ? '• ' : ''}${typeof state.deck.title === 'string' && state.deck.title ? state.deck.title : deckId} · ${t('Deck editor')}`;
}

/** @type {number} */
let previewFrame = 0;

/** The preview follows every change of the slide on screen (once per frame however fast the typing). */
function schedulePreview() {
  if (previewFrame) return;
  previewFrame = requestAnimationFrame(() => {
    previewFrame = 0;
    if (state.selected >= 0) preview.show(state.deck, state.selected);
  });
}

/** The data changed: unsaved, validate soon, preview; `structure`: the pane and the list are drawn again. */
function changed(structure = false) {
  renderSaveState();
  scheduleValidation();
  schedulePreview();
  if (structure) {
    renderList();
    renderPane(true);
  }
}

// ---- validation ----------------------------------------------------------------------------------------------

function scheduleValidation() {
  clearTimeout(state.validateTimer);
  state.validateTimer = setTimeout(validate, VALIDATE_MS);
}

async function validate() {
  const asked = (state.validation += 1);
  const answer = await validateDeck({ json: state.deck }, deckId);
  if (asked !== state.validation) return; // the deck changed since: a newer answer is coming
  if (!answer.ok && answer.status !== 422) {
    state.checkFailed = true;
    showActionError(t('The deck cannot be checked right now: {reason}', { reason: failureText(answer) }));
    return;
  }
  if (state.checkFailed) showActionError('');
  state.checkFailed = false;
  state.problems = answerProblems(answer);
  renderProblems();
}

/** The problems of one slide (or, for -1, the deck's own). */
function problemsOf(/** @type {number} */ index) {
  return state.problems.filter((problem) => slideOf(problem.path) === index);
}

/** Where each problem is: on its field, on its slide in the list, in the summary; and whether Save may run. */
function renderProblems() {
  const counts = new Map();
  for (const problem of state.problems) {
    const index = slideOf(problem.path);
    if (index >= 0) counts.set(index, (counts.get(index) || 0) + 1);
  }
  renderList(counts);
  placePaneProblems();
  const count = state.problems.length;
  els.summary.hidden = count === 0;
  setText(els.summaryHeading, nt('{n} problem to fix before saving', '{n} problems to fix before saving', count, { n: count }));
  els.summaryList.replaceChildren(...state.problems.map((problem) => {
    const index = slideOf(problem.path);
    const slide = slidesOf(state.deck)[index];
    const where = index >= 0
      ? t('Slide {n} “{title}”', { n: index + 1, title: slide && typeof slide.title === 'string' ? slide.title : '' })
      : t('Deck settings');
    return h('li', {}, h('button', { type: 'button', class: 'problem-link', 'data-testid': 'problem-link', onclick: () => goToProblem(problem) }, h('span', { class: 'problem-where' }, where), ' ', problem.message));
  }));
  renderSaveState();
}

/** The current pane's problems next to their fields; the rest at the pane's top. */
function placePaneProblems() {
  const mine = problemsOf(state.selected).concat(state.selected === -1 ? [] : state.problems.filter((problem) => !problem.path));
  const left = placeProblems(els.pane, mine);
  const box = els.pane.querySelector('.pane-problems');
  if (box instanceof HTMLElement) {
    box.replaceChildren(...left.map((problem) => h('p', {}, problem.message)));
    box.hidden = left.length === 0;
  }
}

/** Show the slide (or settings) a problem is on, and put the focus in its field. */
function goToProblem(/** @type {Problem} */ problem) {
  const index = slideOf(problem.path);
  select(index, false);
  const target = fieldFor(els.pane, problem.path || '');
  const control = target ? focusTarget(target) : null;
  (control || els.pane).focus();
}

// ---- drawing ---------------------------------------------------------------------------------------------------

/** The slide list and the tools for the selected slide; the focus stays on the slide it was on. */
function renderList(/** @type {Map<number, number> | undefined} */ counts = undefined) {
  const problemCounts = counts || new Map(slidesOf(state.deck).map((_, index) => [index, problemsOf(index).length]));
  const focused = document.activeElement instanceof HTMLElement && els.slides.contains(document.activeElement)
    ? Array.from(els.slides.children).findIndex((entry) => entry.contains(document.activeElement))
    : -1;
  list.render(slidesOf(state.deck), state.selected, problemCounts, state.types);
  if (focused >= 0) list.focus(Math.min(focused, els.slides.children.length - 1));
  const current = els.slides.children[state.selected];
  if (current) current.scrollIntoView({ block: 'nearest' });
  if (state.selected === -1) els.settings.setAttribute('aria-current', 'true');
  else els.settings.removeAttribute('aria-current');
  const count = slidesOf(state.deck).length;
  els.up.disabled = state.selected <= 0;
  els.down.disabled = state.selected < 0 || state.selected >= count - 1;
  els.duplicate.disabled = state.selected < 0;
  els.remove.disabled = state.selected < 0;
}

/** The main pane: the deck's settings or the selected slide. `keepFocus`: focus the same field afterwards. */
function renderPane(keepFocus = false) {
  const active = document.activeElement;
  const focusedId = keepFocus && active instanceof HTMLElement && els.pane.contains(active) ? active.dataset.testid : undefined;
  const slides = slidesOf(state.deck);
  const index = state.selected;
  bodyArea = null;
  const heading = index === -1
    ? t('Deck settings')
    : t('Slide {n} of {count}', { n: index + 1, count: slides.length });
  const context = {
    deck: state.deck,
    types: state.types,
    autoIds,
    dir: dir(),
    preview,
    pictures,
    languages: config.languages,
    changed,
    rename: (/** @type {string} */ title) => list.rename(index, title),
    retitle: (/** @type {string} */ title) => setText(els.heading, title || deckId),
    bodyArea: (/** @type {HTMLTextAreaElement} */ area) => {
      bodyArea = area;
    },
  };
  const slide = slides[index];
  const form = index === -1
    ? deckForm(state.deck, context)
    : slide && typeof slide === 'object' && !Array.isArray(slide)
      ? slideForm(slide, index, context)
      : h('p', { class: 'field-problem' }, t('This slide is not written as a slide in the file (it needs at least a title). Delete it, or fix the file by hand.'));
  els.pane.replaceChildren(
    h('h2', { id: 'pane-heading', class: 'pane-heading', 'data-testid': 'pane-heading', tabindex: '-1' }, heading),
    h('div', { class: 'pane-problems field-problem', 'data-testid': 'pane-problems', hidden: true }),
    form,
  );
  els.pane.setAttribute('aria-labelledby', 'pane-heading');
  if (index >= 0) preview.show(state.deck, index);
  placePaneProblems();
  if (focusedId) {
    const again = els.pane.querySelector(`[data-testid="${CSS.escape(focusedId)}"]`);
    if (again instanceof HTMLElement) again.focus();
  }
}

function renderAll() {
  setText(els.heading, typeof state.deck.title === 'string' && state.deck.title ? state.deck.title : deckId);
  renderList();
  renderPane();
  renderProblems();
}

// ---- slides ----------------------------------------------------------------------------------------------------

/** Edit slide `index` (-1: the deck's settings); `focus`: move the focus to the pane's heading. */
function select(/** @type {number} */ index, focus = true) {
  state.selected = index;
  renderList();
  renderPane();
  if (focus) {
    const heading = els.pane.querySelector('#pane-heading');
    if (heading instanceof HTMLElement) heading.focus();
  }
}

/** Move a slide; `fromList`: the focus stays on the moved slide in the list. */
function moveSlide(/** @type {number} */ from, /** @type {number} */ to, fromList = false) {
  const slides = slidesOf(state.deck);
  if (to < 0 || to >= slides.length || from === to) return;
  move(slides, from, to);
  if (state.selected === from) state.selected = to;
  else if (state.selected > from && state.selected <= to) state.selected -= 1;
  else if (state.selected < from && state.selected >= to) state.selected += 1;
  changed();
  renderList();
  renderPane();
  if (fromList) list.focus(to);
  const title = typeof slides[to].title === 'string' ? slides[to].title : '';
  announce(t('Moved “{title}” to position {n} of {count}.', { title, n: to + 1, count: slides.length }));
}

/** A new slide after the selected one (at the end from the settings). */
function addSlide(/** @type {string} */ kind) {
  const slides = slidesOf(state.deck);
  /** @type {DeckData} */
  let slide = { title: t('New slide') };
  if (kind === 'join') slide = { kind: 'join', title: t('Join on your phone') };
  if (kind === 'poll') {
    if (!state.types.length) return;
    slide = { title: t('Poll'), poll: newPoll(state.deck, state.types[0]) };
    autoIds.add(slide.poll);
  }
  const at = state.selected >= 0 ? state.selected + 1 : slides.length;
  slides.splice(at, 0, slide);
  state.selected = at;
  changed();
  renderList();
  renderPane();
  const first = els.pane.querySelector(kind === 'poll' ? '[data-testid="poll-question"]' : '[data-testid="slide-title"]');
  if (first instanceof HTMLElement) first.focus();
  announce(t('Slide {n} added.', { n: at + 1 }));
}

function duplicateSlide() {
  const slides = slidesOf(state.deck);
  if (state.selected < 0) return;
  slides.splice(state.selected + 1, 0, duplicate(state.deck, slides[state.selected]));
  select(state.selected + 1);
  changed();
  announce(t('Slide {n} is a copy of slide {m}.', { n: state.selected + 1, m: state.selected }));
}

function deleteSlide() {
  const slides = slidesOf(state.deck);
  const index = state.selected;
  if (index < 0) return;
  const [slide] = slides.splice(index, 1);
  state.deleted = { slide, index };
  state.selected = slides.length ? Math.min(index, slides.length - 1) : -1;
  changed();
  renderList();
  renderPane();
  const title = typeof slide.title === 'string' ? slide.title : '';
  setText(els.toastText, t('Slide {n} “{title}” deleted.', { n: index + 1, title }));
  els.toast.hidden = false;
  els.undo.focus();
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => {
    const hadFocus = els.toast.contains(document.activeElement);
    els.toast.hidden = true;
    state.deleted = null;
    if (hadFocus) (state.selected >= 0 ? list.focus(state.selected) : els.settings.focus());
  }, UNDO_MS);
}

function undoDelete() {
  const deleted = state.deleted;
  if (!deleted) return;
  state.deleted = null;
  els.toast.hidden = true;
  slidesOf(state.deck).splice(deleted.index, 0, deleted.slide);
  select(deleted.index);
  changed();
  announce(t('Slide {n} is back.', { n: deleted.index + 1 }));
}

// ---- loading, saving, rehearsing ------------------------------------------------------------------------------

function showActionError(/** @type {string} */ text) {
  setText(els.actionError, text);
  els.actionError.hidden = !text;
}

async function refreshInUse() {
  const answer = await listDecks();
  /** @type {DeckSummary | undefined} */
  const found = answer.ok && Array.isArray(answer.body) ? answer.body.find((/** @type {DeckSummary} */ deck) => deck.id === deckId) : undefined;
  const count = found && typeof found.in_use === 'number' ? found.in_use : 0;
  els.inUse.hidden = !count; // only a note: without the list the editor works on
  if (count) {
    setText(els.inUse, nt('In use by {n} live session — it keeps the version it started with.', 'In use by {n} live sessions — they keep the version they started with.', count, { n: count }));
  }
}

async function load() {
  state.loaded = false;
  renderSaveState();
  const [types, loaded] = await Promise.all([state.types.length ? null : pollTypes(), loadDeck(deckId)]);
  const refused = [types, loaded].find((answer) => answer && !answer.ok);
  if (refused) {
    showLoadError(refused);
    return;
  }
  if (types) state.types = types.body;
  state.deck = loaded.body;
  state.etag = loaded.etag || '';
  state.saved = canonical(state.deck);
  state.loaded = true;
  state.conflict = false;
  state.problems = [];
  state.deleted = null;
  els.toast.hidden = true;
  els.conflict.hidden = true;
  autoIds.clear();
  state.selected = Math.min(state.selected, slidesOf(state.deck).length - 1); // none: the settings
  renderAll();
  validate();
  pictures.refresh();
  refreshInUse();
}

/** The deck cannot be edited here: say why (a file that is not a deck's YAML: each problem with its line). */
function showLoadError(/** @type {Answer} */ answer) {
  const problems = answerProblems(answer);
  els.pane.replaceChildren(
    h(
      'div',
      { class: 'alert alert-error', role: 'alert', 'data-testid': 'load-error' },
      h('p', {}, problems.length ? t('This deck\u2019s file cannot be opened in the editor. Fix it by hand (Download YAML), then reload this page:') : failureText(answer)),
      problems.length ? h('ul', {}, problems.map((problem) => h('li', {}, t('Line {line}: {message}', { line: problem.line, message: problem.message })))) : null,
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => load() }, t('Try again')),
    ),
  );
  setText(els.saveState, t('Not loaded'));
}

/** Save the deck over the version loaded; true when it is saved (or nothing needed saving). */
async function save() {
  if (!state.loaded || state.saving || state.conflict) return false;
  if (!dirty()) {
    announce(t('Nothing to save: all changes are saved.'));
    return true;
  }
  if (state.problems.length) {
    els.summary.focus();
    announce(nt('Not saved: fix the {n} problem first.', 'Not saved: fix the {n} problems first.', state.problems.length, { n: state.problems.length }));
    return false;
  }
  const sent = copy(state.deck);
  state.saving = true;
  showActionError('');
  renderSaveState();
  const answer = await saveDeck(deckId, { json: sent }, state.etag);
  if (answer.ok) {
    state.etag = answer.etag || '';
    state.saved = canonical(sent);
    announce(t('Saved.'));
    refreshInUse();
  } else if (answer.status === 409 || answer.status === 412) {
    state.conflict = true;
    els.conflict.hidden = false;
    els.reload.focus();
  } else if (answer.status === 422) {
    state.problems = answerProblems(answer);
    renderProblems();
    showActionError(t('Not saved: the server found problems in the deck. They are listed above.'));
  } else {
    showActionError(t('Not saved: {reason}', { reason: failureText(answer) }));
  }
  state.saving = false;
  renderSaveState();
  return answer.ok;
}

/** Load the deck as it is saved now, dropping unsaved changes (after asking). */
function reload() {
  if (dirty() && !window.confirm(t('Reload the deck as it is saved now? Your unsaved changes here will be lost.'))) return;
  load();
}

/** A private practice run of the saved deck (saved first if there are changes). */
async function rehearse() {
  showActionError('');
  if (dirty() && !(await save())) {
    if (!state.conflict) showActionError(t('Rehearse runs the saved deck: save your changes first.'));
    return;
  }
  els.rehearse.disabled = true;
  const answer = await startRehearsal(deckId);
  if (answer.ok) {
    window.location.assign(answer.url);
    return;
  }
  showActionError(failureText(answer));
  els.rehearse.disabled = false;
}

// ---- wiring ----------------------------------------------------------------------------------------------------

els.save.addEventListener('click', () => save());
els.rehearse.addEventListener('click', () => rehearse());
els.reload.addEventListener('click', () => reload());
els.settings.addEventListener('click', () => select(-1));
/** A move from the toolbar: the focus stays on the button, or goes to the slide if the button is now disabled. */
function moveFromToolbar(/** @type {HTMLButtonElement} */ button, /** @type {number} */ step) {
  moveSlide(state.selected, state.selected + step);
  if (button.disabled) list.focus(state.selected);
}
els.up.addEventListener('click', () => moveFromToolbar(els.up, -1));
els.down.addEventListener('click', () => moveFromToolbar(els.down, 1));
els.duplicate.addEventListener('click', () => duplicateSlide());
els.remove.addEventListener('click', () => deleteSlide());
els.undo.addEventListener('click', () => undoDelete());
for (const button of Array.from(document.querySelectorAll('[data-add]'))) {
  if (button instanceof HTMLButtonElement) button.addEventListener('click', () => addSlide(button.dataset.add || 'content'));
}
document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
    event.preventDefault();
    save();
  }
});
window.addEventListener('beforeunload', (event) => {
  if (dirty()) {
    event.preventDefault();
    event.returnValue = ''; // older browsers need it set to ask
  }
});

load();
