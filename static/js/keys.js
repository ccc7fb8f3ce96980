// Keyboard shortcuts for the console and presenter, with a help dialog on "?".
import { h, isTyping } from './dom.js';

/**
 * Install shortcuts. `actions` maps names to functions (missing ones are ignored and not listed):
 * next, prev, togglePoll, toggleResults, toggleQr, fullscreen.
 */
export function installShortcuts(actions) {
  const help = [
    ['next', ['→', 'Space', 'Page Down'], 'Next slide'],
    ['prev', ['←', 'Page Up'], 'Previous slide'],
    ['togglePoll', ['O'], 'Open or close the poll'],
    ['toggleResults', ['R'], 'Show or hide results'],
    ['toggleQr', ['Q'], 'Show or hide the join QR code'],
    ['fullscreen', ['F'], 'Full screen on or off'],
    ['help', ['?'], 'Show this help'],
  ].filter(([name]) => name === 'help' || actions[name]);

  const dialog = buildHelp(help);
  document.body.append(dialog);

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    if (dialog.open) return; // the dialog handles Escape itself
    const onButton = event.target.closest && event.target.closest('button, a, summary, [role="button"]');
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
    if (name && actions[name]) {
      event.preventDefault();
      actions[name]();
    }
  });

  return { openHelp: () => openHelp(dialog) };
}

function buildHelp(help) {
  const list = h(
    'dl',
    { class: 'shortcut-list' },
    help.map(([, keys, text]) => [
      h('dt', {}, keys.map((k, i) => [i ? ' or ' : '', h('kbd', {}, k)])),
      h('dd', {}, text),
    ]),
  );
  const close = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'help-close' }, 'Close');
  const dialog = h(
    'dialog',
    { class: 'help-dialog', 'aria-labelledby': 'help-title', 'data-testid': 'help' },
    h('h2', { id: 'help-title' }, 'Keyboard shortcuts'),
    list,
    h('p', { class: 'help-note' }, 'Shortcuts do not work while you are typing in a text field.'),
    h('div', { class: 'dialog-actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close(); // click on the backdrop
  });
  return dialog;
}

function openHelp(dialog) {
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
