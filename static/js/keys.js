// Keyboard shortcuts for the console and presenter, with a help dialog on "?".
import { h, isTyping } from './dom.js';
import { t } from './i18n.js';

/**
 * What a page lets the keyboard do; a missing action is ignored and not listed in the help.
 * @typedef {object} ShortcutActions
 * @property {() => void} [next]
 * @property {() => void} [prev]
 * @property {() => void} [togglePoll]
 * @property {() => void} [toggleResults]
 * @property {() => void} [toggleQr]
 * @property {() => void} [toggleBlank]
 * @property {() => void} [toggleLock]
 * @property {() => void} [toggleTimer]
 * @property {() => void} [toggleReactions]
 * @property {() => void} [fullscreen]
 */

/** @typedef {keyof ShortcutActions | 'help'} ShortcutName */

// The keys as printed on a keyboard (letters stay letters: the shortcut is the key, whatever the language).
/** @type {[ShortcutName, string[], string][]} */
const HELP = [
  ['next', ['→', t('Space'), t('Page Down')], t('Next slide')],
  ['prev', ['←', t('Page Up')], t('Previous slide')],
  ['togglePoll', ['O'], t('Open or close the poll')],
  ['toggleResults', ['R'], t('Show or hide results')],
  ['toggleQr', ['Q'], t('Show or hide the join QR code')],
  ['toggleBlank', ['B'], t('Blank the projector, or show it again')],
  ['toggleLock', ['L'], t('Lock or unlock the room to new participants')],
  ['toggleTimer', ['T'], t('Start the timer, or stop it')],
  ['toggleReactions', ['E'], t('Let phones send reactions, or switch them off')],
  ['fullscreen', ['F'], t('Full screen on or off')],
  ['help', ['?'], t('Show this help')],
];

/**
 * Install shortcuts.
 * @param {ShortcutActions} actions
 */
export function installShortcuts(actions) {
  const help = HELP.filter(([name]) => name === 'help' || actions[name]);

  const dialog = buildHelp(help);
  document.body.append(dialog);

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    if (dialog.open) return; // the dialog handles Escape itself
    const onButton = event.target instanceof Element && event.target.closest('button, a, summary, [role="button"]');
    /** @type {ShortcutName | null} */
    let name = null;
    switch (event.key) {
      case 'ArrowRight':
      case 'PageDown':
        name = 'next';
        break;
      case ' ':
      case 'Spacebar':
        if (!onButton) name = 'next'; // Space on a focused button presses that button
        break;
      case 'ArrowLeft':
      case 'PageUp':
        name = 'prev';
        break;
      case 'o':
      case 'O':
        name = 'togglePoll';
        break;
      case 'r':
      case 'R':
        name = 'toggleResults';
        break;
      case 'q':
      case 'Q':
        name = 'toggleQr';
        break;
      case 'b':
      case 'B':
        name = 'toggleBlank';
        break;
      case 'l':
      case 'L':
        name = 'toggleLock';
        break;
      case 't':
      case 'T':
        name = 'toggleTimer';
        break;
      case 'e':
      case 'E':
        name = 'toggleReactions';
        break;
      case 'f':
      case 'F':
        name = 'fullscreen';
        break;
      case '?':
        name = 'help';
        break;
      default:
        return;
    }
    if (name === 'help') {
      event.preventDefault();
      openHelp(dialog);
      return;
    }
    const action = name && actions[name];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  return { openHelp: () => openHelp(dialog) };
}

/** The help dialog listing the page's shortcuts. */
function buildHelp(/** @type {[ShortcutName, string[], string][]} */ help) {
  const list = h(
    'dl',
    { class: 'shortcut-list' },
    help.map(([, keys, text]) => [
      // One key alone is not translated (O is O); named keys are (Space, Page Down).
      h('dt', {}, keys.map((k, i) => [i ? ` ${t('or')} ` : '', h('kbd', k.length === 1 ? { translate: 'no' } : {}, k)])),
      h('dd', {}, text),
    ]),
  );
  const close = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'help-close' }, t('Close'));
  const dialog = h(
    'dialog',
    { class: 'help-dialog', 'aria-labelledby': 'help-title', 'data-testid': 'help' },
    h('h2', { id: 'help-title' }, t('Keyboard shortcuts')),
    list,
    h('p', { class: 'help-note' }, t('Shortcuts do not work while you are typing in a text field.')),
    h('div', { class: 'dialog-actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // click on the backdrop
  });
  return dialog;
}

function openHelp(/** @type {HTMLDialogElement} */ dialog) {
  if (!dialog.open) dialog.showModal();
}

/** Toggle browser full screen for the whole page. */
export function toggleFullscreen() {
  if (document.fullscreenElement) {
    document.exitFullscreen().catch(() => {});
  } else if (document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().catch(() => {});
  }
}
