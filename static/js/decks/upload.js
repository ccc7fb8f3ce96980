// Uploading a deck file (the button, or a file dropped onto the page). The server checks it first: a broken
// file has every problem listed as "Line N: message" and nothing is saved. A good one is saved under a file
// name made from the file's; one that would replace a deck is saved only after asking, and only over the
// version that was there when we asked (If-Match).
import { element, h, setText } from '../dom.js';
import { nt, t } from '../i18n.js';
import * as api from '../deck-api.js';
import { openDialog } from './dialogs.js';
import { describeFailure, problemLines, problemText } from './failure.js';
import { idFromFileName, idProblem, uniqueId } from './slug.js';

/**
 * A confirmation the library asks (see library.js).
 * @typedef {{title: string, lines: string[], ok: string, opener: HTMLElement | null,
 *   action: () => Promise<string | string[]>, after?: () => HTMLElement | null}} Question
 */
/**
 * What the upload needs from the library.
 * @typedef {object} UploadContext
 * @property {() => Set<string>} taken
 * @property {(id: string) => api.DeckSummary | undefined} deckById
 * @property {Set<string>} reserved
 * @property {RegExp} idRule
 * @property {(text: string, kind?: 'ok' | 'error' | 'busy') => void} announce
 * @property {() => Promise<boolean>} reload
 * @property {(id: string) => HTMLElement | null} cardTitle
 * @property {(question: Question) => void} confirmThen
 * @property {HTMLElement} heading
 */

/** @param {UploadContext} context */
export function setUpUpload(context) {
  const button = element('#upload-deck', HTMLButtonElement);
  const input = element('#upload-file', HTMLInputElement);
  const problemsBox = element('#upload-problems', HTMLElement);
  const problemsTitle = element('#upload-problems-title', HTMLElement);
  const problemList = element('#upload-problems ul', HTMLUListElement);
  const dialog = element('#upload-dialog', HTMLDialogElement);
  const idField = element('#upload-id', HTMLInputElement);
  const replaces = element('#upload-replaces', HTMLElement);
  const save = element('[data-testid="upload-save"]', HTMLButtonElement);
  const drop = element('#library-drop', HTMLElement);

  /**
   * Every problem of a file that was not saved, in the list under the header.
   * @param {string} name
   * @param {api.Problem[]} problems
   */
  function showProblems(name, problems) {
    const title = nt('“{name}” was not saved: it has {n} problem.', '“{name}” was not saved: it has {n} problems.',
      problems.length, { name, n: problems.length });
    setText(problemsTitle, title);
    problemList.replaceChildren(...problems.map((problem) => h('li', { 'data-testid': 'problem' },
      problemText(problem))));
    problemsBox.hidden = false;
    context.announce(''); // the box says it, and focus takes a screen reader there
    problemsBox.focus();
  }

  function updateReplaces() {
    const existing = context.deckById(idField.value.trim());
    replaces.hidden = !existing;
    if (existing) {
      setText(replaces, t('A deck with this file name is already here: “{title}”. Saving asks before replacing it.',
        { title: existing.title }));
    }
    setText(save, existing ? t('Replace deck…') : t('Save deck'));
  }
  idField.addEventListener('input', updateReplaces);

  /**
   * Ask before replacing a deck with the file, then replace the version we asked about.
   * @param {string} id
   * @param {string} name
   * @param {ArrayBuffer} bytes
   */
  async function confirmReplace(id, name, bytes) {
    const existing = context.deckById(id);
    const version = await api.currentVersion(id);
    if (!existing || version.status === 404) {
      await context.reload();
      context.announce(t('The deck {file} is gone meanwhile. Upload the file again to save it.', { file: `${id}.yaml` }), 'error');
      return;
    }
    if (!version.ok || !version.etag) {
      context.announce(describeFailure(version), 'error');
      return;
    }
    const lines = [t('The deck {file} is replaced by “{name}”. Download it first if you might want it back.',
      { file: `${id}.yaml`, name })];
    if (existing.in_use > 0) {
      lines.push(nt(
        '{n} live session uses this deck. It keeps its own copy of the slides and carries on.',
        '{n} live sessions use this deck. Each keeps its own copy of the slides and carries on.',
        existing.in_use, { n: existing.in_use }));
    }
    context.confirmThen({
      title: t('Replace “{title}”?', { title: existing.title }),
      lines,
      ok: t('Replace deck'),
      opener: button,
      after: () => context.cardTitle(id),
      action: async () => {
        const answer = await api.saveDeck(id, { yaml: bytes }, version.etag);
        if (!answer.ok) return problemLines(answer);
        await context.reload();
        context.announce(t('Replaced “{title}” with “{name}”.', { title: existing.title, name }));
        return '';
      },
    });
  }

  /**
   * Choose the file name of a checked file, and save it.
   * @param {string} name
   * @param {ArrayBuffer} bytes
   */
  function askId(name, bytes) {
    const suggestion = idFromFileName(name);
    idField.value = suggestion && !context.reserved.has(suggestion)
      ? suggestion : uniqueId(suggestion, context.taken(), context.reserved);
    setText(element('#upload-summary', HTMLElement), t('“{name}” passed the check. Choose the file name it is saved under.', { name }));
    updateReplaces();
    let saved = '';
    let replace = '';
    dialog.addEventListener('close', () => {
      if (replace) confirmReplace(replace, name, bytes);
    }, { once: true });
    openDialog(dialog, {
      opener: button,
      fallback: () => context.heading,
      after: () => (saved ? context.cardTitle(saved) : null),
      submit: async () => {
        const id = idField.value.trim();
        const problem = idProblem(id, context.idRule, context.reserved);
        if (problem) return problem;
        if (context.deckById(id)) {
          replace = id; // asked about once this dialog has closed
          return '';
        }
        const answer = await api.saveDeck(id, { yaml: bytes });
        if (answer.status === 201) {
          saved = id;
          await context.reload();
          context.announce(t('Saved “{name}” as {file}.', { name, file: `${id}.yaml` }));
          return '';
        }
        if (answer.status === 412) { // a deck the list did not know yet
          await context.reload();
          replace = id;
          return '';
        }
        return problemLines(answer);
      },
    });
  }

  /**
   * Check a file, then show its problems or ask where to save it.
   * @param {File} file
   */
  async function upload(file) {
    problemsBox.hidden = true;
    const name = file.name;
    if (file.size > api.MAX_DECK_BYTES) {
      context.announce(t('“{name}” is too large: a deck file may be at most 512 KB.', { name }), 'error');
      return;
    }
    context.announce(t('Checking “{name}”…', { name }), 'busy');
    let bytes;
    try {
      bytes = await file.arrayBuffer();
    } catch {
      context.announce(t('“{name}” could not be read. Choose it again.', { name }), 'error');
      return;
    }
    const checked = await api.validateDeck({ yaml: bytes });
    if (checked.status === 422) {
      showProblems(name, api.problemsOf(checked));
      return;
    }
    if (!checked.ok) {
      context.announce(describeFailure(checked), 'error');
      return;
    }
    context.announce(t('“{name}” passed the check.', { name }));
    askId(name, bytes);
  }

  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files && input.files[0];
    input.value = ''; // so choosing the same file again, once fixed, is a change too
    if (file) upload(file);
  });
  element('#dismiss-problems', HTMLButtonElement).addEventListener('click', () => {
    problemsBox.hidden = true;
    button.focus();
  });

  // Dropping a file anywhere on the page uploads it. While a dialog is open a drop does nothing (and never lets
  // the browser open the file in place of the page).
  let depth = 0;
  const carriesFiles = (/** @type {DragEvent} */ event) =>
    !!event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files');
  const dialogOpen = () => !!document.querySelector('dialog[open]');
  document.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth += 1;
    drop.hidden = dialogOpen();
  });
  document.addEventListener('dragover', (event) => {
    if (!carriesFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = dialogOpen() ? 'none' : 'copy';
  });
  document.addEventListener('dragleave', (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) drop.hidden = true;
  });
  document.addEventListener('drop', (event) => {
    if (!carriesFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    depth = 0;
    drop.hidden = true;
    const file = event.dataTransfer.files[0];
    if (file && !dialogOpen()) upload(file);
  });
}
