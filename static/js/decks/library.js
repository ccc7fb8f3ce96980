// The deck library (/decks): every deck with its facts and actions, new decks, copies, renames, deletes and
// uploads. The parts: ../deck-api.js (the server), ./failure.js (its refusals in words), ./dialogs.js (modal
// dialogs), ./slug.js (file names), ./format.js (languages and times), ./new-deck.js (a new deck's YAML),
// ./upload.js (uploading a file).
import { element, h, setText } from '../dom.js';
import { nt, t } from '../i18n.js';
import * as api from '../deck-api.js';
import { openDialog, setUpDialog, showDialogError } from './dialogs.js';
import { describeFailure, problemLines } from './failure.js';
import { fullTime, languageName, relativeTime } from './format.js';
import { newDeckYaml } from './new-deck.js';
import { idProblem, slugify, uniqueId } from './slug.js';
import { setUpUpload } from './upload.js';

const root = element('[data-testid="deck-library"]', HTMLElement);
const idRule = new RegExp(`^(?:${root.dataset.idPattern || '[a-z0-9][a-z0-9-]{0,63}'})$`);
const reserved = new Set((root.dataset.reserved || '').split(' ').filter(Boolean));

const list = element('#library-list', HTMLUListElement);
const heading = element('#library-heading', HTMLElement);
const loading = element('#library-loading', HTMLElement);
const loadError = element('#library-error', HTMLElement);
const empty = element('#library-empty', HTMLElement);
const status = element('#library-status', HTMLElement);

/** @type {api.DeckSummary[]} */
let decks = [];

/**
 * Say what happened in the live region (and show it): an outcome, or an error.
 * @param {string} text
 * @param {'ok' | 'error' | 'busy'} [kind]
 */
function announce(text, kind = 'ok') {
  status.dataset.kind = kind;
  setText(status, text);
}

/** The ids taken now. */
const takenIds = () => new Set(decks.map((deck) => deck.id));

/** A deck by id. */
const deckById = (/** @type {string} */ id) => decks.find((deck) => deck.id === id);

/** The title element of a deck's card (focus goes there after a change to it). */
function cardTitle(/** @type {string} */ id) {
  const card = Array.from(list.children).find((item) => item instanceof HTMLElement && item.dataset.deck === id);
  const title = card ? card.querySelector('.deck-title') : null;
  return title instanceof HTMLElement ? title : null;
}

// Loading and showing the list --------------------------------------------------------------------------

/** Fetch the decks and show them; false when they could not be loaded. */
async function reload() {
  list.setAttribute('aria-busy', 'true');
  const answer = await api.listDecks();
  list.removeAttribute('aria-busy');
  loading.hidden = true;
  if (!answer.ok || !Array.isArray(answer.body)) {
    setText(element('#library-error-text', HTMLElement), describeFailure(answer));
    loadError.hidden = false;
    return false;
  }
  loadError.hidden = true;
  decks = /** @type {api.DeckSummary[]} */ (answer.body).slice().sort((a, b) => a.title.localeCompare(b.title)
    || a.id.localeCompare(b.id));
  render();
  return true;
}

function render() {
  empty.hidden = decks.length > 0;
  list.replaceChildren(...decks.map((deck, index) => card(deck, index)));
}

/**
 * One deck's card.
 * @param {api.DeckSummary} deck
 * @param {number} index
 */
function card(deck, index) {
  const titleId = `library-deck-${index}`;
  const facts = [
    h('li', { 'data-intl': '' }, languageName(deck.lang)), // in the page's language, by Intl
    h('li', {}, nt('{n} slide', '{n} slides', deck.slides, { n: deck.slides })),
    h('li', {}, nt('{n} poll', '{n} polls', deck.polls, { n: deck.polls })),
    deck.modified
      ? h('li', {}, h('time', { datetime: deck.modified, title: fullTime(deck.modified), 'data-intl': '' },
        t('Changed {when}', { when: relativeTime(deck.modified) })))
      : null,
  ];
  const described = { 'aria-describedby': titleId };
  const actions = deck.editable
    ? [
      h('a', { class: 'btn btn-primary btn-small', href: api.editorUrl(deck.id), 'data-testid': 'edit', ...described },
        t('Edit')),
      rehearseButton(deck, described),
      h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'duplicate', ...described,
        onclick: (/** @type {Event} */ event) => duplicate(deck, /** @type {HTMLElement} */ (event.currentTarget)) },
      t('Duplicate')),
      h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'rename', ...described,
        onclick: (/** @type {Event} */ event) => rename(deck, /** @type {HTMLElement} */ (event.currentTarget)) },
      t('Rename')),
      h('a', { class: 'btn btn-secondary btn-small', href: api.downloadUrl(deck.id), download: `${deck.id}.yaml`,
        'data-testid': 'download', ...described }, t('Download YAML')),
      h('button', { type: 'button', class: 'btn btn-danger-quiet btn-small', 'data-testid': 'delete', ...described,
        onclick: (/** @type {Event} */ event) => remove(deck, /** @type {HTMLElement} */ (event.currentTarget)) },
      t('Delete')),
    ]
    : [rehearseButton(deck, described)];
  return h('li', { class: 'library-card', 'data-testid': 'library-deck', dataset: { deck: deck.id } },
    h('h3', { class: 'deck-title', id: titleId, tabindex: '-1', lang: deck.lang, dir: 'auto' }, deck.title),
    h('p', { class: 'library-file' }, h('span', { class: 'visually-hidden' }, t('File name:')), ' ',
      h('code', { dir: 'ltr', translate: 'no' }, `${deck.id}.yaml`)),
    deck.description ? h('p', { class: 'deck-description', lang: deck.lang, dir: 'auto' }, deck.description) : null,
    h('ul', { class: 'library-facts', role: 'list', 'data-testid': 'facts' }, facts),
    deck.in_use > 0
      ? h('p', { class: 'badge library-in-use', 'data-testid': 'in-use' },
        nt('In use by {n} live session', 'In use by {n} live sessions', deck.in_use, { n: deck.in_use }))
      : null,
    deck.editable
      ? null
      : h('p', { class: 'library-locked', 'data-testid': 'not-editable' },
        t('Its file name cannot be used in the browser: only small letters a–z, digits and dashes, and not a word the server keeps for itself. Rename the file on the server to edit it here. You can still rehearse it.')),
    h('div', { class: 'library-card-actions' }, actions));
}

// Rehearse ---------------------------------------------------------------------------------------------

/**
 * @param {api.DeckSummary} deck
 * @param {Record<string, string>} described
 */
function rehearseButton(deck, described) {
  return h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'rehearse', ...described,
    onclick: (/** @type {Event} */ event) => rehearse(deck, /** @type {HTMLButtonElement} */ (event.currentTarget)) },
  t('Rehearse'));
}

/**
 * Start a private practice session and go to its rehearsal screen.
 * @param {api.DeckSummary} deck
 * @param {HTMLButtonElement} button
 */
async function rehearse(deck, button) {
  button.disabled = true;
  button.classList.add('is-loading');
  announce(t('Starting a rehearsal of “{title}”…', { title: deck.title }), 'busy');
  const answer = await api.startRehearsal(deck.id);
  button.disabled = false;
  button.classList.remove('is-loading');
  if (!answer.ok) {
    announce(describeFailure(answer), 'error');
    return;
  }
  window.location.assign(answer.url);
}

// The id fields of the dialogs -------------------------------------------------------------------------

/**
 * An id field that follows another field (a title) until someone types in it.
 * @param {HTMLInputElement} idField
 * @param {HTMLInputElement | null} source
 * @param {() => Set<string>} taken
 */
function followTitle(idField, source, taken) {
  idField.addEventListener('input', () => {
    idField.dataset.edited = 'true';
  });
  if (source) {
    source.addEventListener('input', () => {
      if (idField.dataset.edited !== 'true') idField.value = uniqueId(slugify(source.value), taken(), reserved);
    });
  }
}

/**
 * Prefill an id field (as not typed in yet).
 * @param {HTMLInputElement} idField
 * @param {string} value
 */
function prefillId(idField, value) {
  idField.value = value;
  delete idField.dataset.edited;
}

/**
 * Why the id in a field cannot be used for a new deck, or ''.
 * @param {string} id
 */
function newIdProblem(id) {
  return idProblem(id, idRule, reserved)
    || (takenIds().has(id) ? t('A deck called “{id}” is already here. Choose another file name.', { id }) : '');
}

// New deck ---------------------------------------------------------------------------------------------

const newDialog = element('#new-dialog', HTMLDialogElement);
const newTitle = element('#new-title', HTMLInputElement);
const newLang = element('#new-lang', HTMLSelectElement);
const newId = element('#new-id', HTMLInputElement);
followTitle(newId, newTitle, takenIds);

function createDeck(/** @type {HTMLElement} */ opener) {
  newTitle.form?.reset(); // the page's language is the one the template marked as chosen
  prefillId(newId, '');
  openDialog(newDialog, {
    opener,
    fallback: () => heading,
    focus: newTitle,
    submit: async () => {
      const title = newTitle.value.trim();
      if (!title) return t('Give the deck a title.');
      const id = newId.value.trim();
      const problem = newIdProblem(id);
      if (problem) return problem;
      const answer = await api.saveDeck(id, { yaml: newDeckYaml(title, newLang.value) });
      if (answer.status === 201) {
        announce(t('Created “{title}”. Opening its editor…', { title }));
        window.location.assign(api.editorUrl(id));
        return '';
      }
      if (answer.status === 412) return newIdProblem(id) || t('A deck called “{id}” is already here. Choose another file name.', { id });
      return problemLines(answer);
    },
  });
}

// Duplicate --------------------------------------------------------------------------------------------

const copyDialog = element('#copy-dialog', HTMLDialogElement);
const copyTitle = element('#copy-title', HTMLInputElement);
const copyId = element('#copy-id', HTMLInputElement);
followTitle(copyId, copyTitle, takenIds);

/**
 * @param {api.DeckSummary} deck
 * @param {HTMLElement} opener
 */
function duplicate(deck, opener) {
  const title = t('Copy of {title}', { title: deck.title }).slice(0, 120);
  copyTitle.value = title;
  prefillId(copyId, uniqueId(slugify(title), takenIds(), reserved));
  setText(element('#copy-source', HTMLElement), t('A copy of “{title}” ({file}), with its pictures.', { title: deck.title, file: `${deck.id}.yaml` }));
  let made = '';
  openDialog(copyDialog, {
    opener,
    fallback: () => heading,
    after: () => cardTitle(made),
    focus: copyTitle,
    submit: async () => {
      const newTitle = copyTitle.value.trim();
      if (!newTitle) return t('Give the copy a title.');
      const id = copyId.value.trim();
      const problem = newIdProblem(id);
      if (problem) return problem;
      const answer = await api.copyDeck(deck.id, id, newTitle);
      if (answer.status !== 201) {
        if (answer.status === 404) await reload();
        return problemLines(answer);
      }
      made = id;
      await reload();
      announce(t('Duplicated “{title}” as “{copy}”.', { title: deck.title, copy: newTitle }));
      return '';
    },
  });
}

// Rename -----------------------------------------------------------------------------------------------

const renameDialog = element('#rename-dialog', HTMLDialogElement);
const renameId = element('#rename-id', HTMLInputElement);

/**
 * @param {api.DeckSummary} deck
 * @param {HTMLElement} opener
 */
function rename(deck, opener) {
  prefillId(renameId, deck.id);
  setText(element('#rename-source', HTMLElement), t('“{title}”, now {file}.', { title: deck.title, file: `${deck.id}.yaml` }));
  let renamed = '';
  openDialog(renameDialog, {
    opener,
    fallback: () => heading,
    after: () => cardTitle(renamed),
    submit: async () => {
      const id = renameId.value.trim();
      if (id === deck.id) return t('Type the new file name.');
      const problem = newIdProblem(id);
      if (problem) return problem;
      const answer = await api.renameDeck(deck.id, id);
      if (!answer.ok) {
        if (answer.status === 404) await reload();
        return describeFailure(answer);
      }
      renamed = id;
      await reload();
      announce(t('Renamed “{title}” to {file}.', { title: deck.title, file: `${id}.yaml` }));
      return '';
    },
  });
  if (deck.in_use > 0) {
    showDialogError(renameDialog, nt(
      'In use by {n} live session: it can be renamed once it has ended.',
      'In use by {n} live sessions: it can be renamed once they have ended.', deck.in_use, { n: deck.in_use }));
  }
}

// Confirmations (delete, replace) -----------------------------------------------------------------------

const confirmDialog = element('#confirm-dialog', HTMLDialogElement);

/**
 * Ask before something that cannot be undone, then do it.
 * @param {{title: string, lines: string[], ok: string, opener: HTMLElement | null,
 *   action: () => Promise<string | string[]>, after?: () => HTMLElement | null}} question
 */
function confirmThen(question) {
  setText(element('#confirm-title', HTMLElement), question.title);
  element('#confirm-text', HTMLElement).replaceChildren(...question.lines.map((line) => h('p', {}, line)));
  setText(element('#confirm-ok', HTMLButtonElement), question.ok);
  openDialog(confirmDialog, {
    opener: question.opener,
    fallback: () => heading,
    after: question.after,
    focus: element('[data-testid="confirm-cancel"]', HTMLButtonElement), // the safe choice first
    submit: question.action,
  });
}

/**
 * @param {api.DeckSummary} deck
 * @param {HTMLElement} opener
 */
function remove(deck, opener) {
  const lines = [t('Its file {file} is removed from the server. Download it first if you might want it back.', { file: `${deck.id}.yaml` })];
  if (deck.in_use > 0) {
    lines.push(nt(
      '{n} live session uses this deck. It keeps its own copy of the slides and carries on.',
      '{n} live sessions use this deck. Each keeps its own copy of the slides and carries on.', deck.in_use, { n: deck.in_use }));
  }
  confirmThen({
    title: t('Delete “{title}”?', { title: deck.title }),
    lines,
    ok: t('Delete deck'),
    opener,
    after: () => heading,
    action: async () => {
      const answer = await api.deleteDeck(deck.id);
      if (!answer.ok && answer.status !== 404) return describeFailure(answer);
      await reload();
      announce(t('Deleted “{title}”.', { title: deck.title }));
      return '';
    },
  });
}

// Start ------------------------------------------------------------------------------------------------

for (const dialog of [newDialog, copyDialog, renameDialog, confirmDialog, element('#upload-dialog', HTMLDialogElement)]) {
  setUpDialog(dialog);
}
element('#new-deck', HTMLButtonElement).addEventListener('click', (event) => createDeck(/** @type {HTMLElement} */ (event.currentTarget)));
element('#library-retry', HTMLButtonElement).addEventListener('click', async () => {
  announce(t('Loading decks…'), 'busy');
  if (await reload()) announce(t('The decks are loaded.'));
});
setUpUpload({
  taken: takenIds,
  deckById,
  reserved,
  idRule,
  announce,
  reload,
  cardTitle,
  confirmThen,
  heading,
});
reload();
