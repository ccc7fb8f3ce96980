// A slide's poll: question, id, type (from the server's registry) and the keys that type declares. Which fields
// show comes from the type's `deck_keys`; a key is drawn by what it is (options, scale, max_length), and a key
// this page has no editor for still gets a plain field, so a new server type is editable at once.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { checkboxField, field, group, select, textInput, wholeOrText } from './fields.js';
import { listEditor } from './list-editor.js';
import { changeType, setOptional, slugify, uniquePollId } from './model.js';

/** @import { DeckData, PollType } from './model.js' */

/**
 * What the poll's fields ask of the editor.
 * @typedef {object} PollContext
 * @property {DeckData} deck
 * @property {PollType[]} types
 * @property {(structure?: boolean) => void} changed  the data changed (structure: the pane must be drawn again)
 * @property {Set<object>} autoIds  polls whose id still follows their question
 * @property {string} [dir]  the deck's text direction
 */

const QUESTION_LIMIT = 200;
const OPTION_LIMIT = 80;
const LABEL_LIMIT = 40;

/**
 * The poll's fieldset.
 * @param {DeckData} poll
 * @param {string} path  `slides[3].poll`
 * @param {PollContext} context
 */
export function pollFields(poll, path, context) {
  const type = context.types.find((item) => item.type === poll.type);
  const idInput = textInput({
    value: poll.id,
    testid: 'poll-id',
    maxlength: 40,
    onInput: (value) => {
      poll.id = value;
      context.autoIds.delete(poll); // the person chose it: it no longer follows the question
      context.changed();
    },
  });
  const question = textInput({
    value: poll.question,
    testid: 'poll-question',
    maxlength: QUESTION_LIMIT,
    dir: context.dir,
    onInput: (value) => {
      poll.question = value;
      if (context.autoIds.has(poll)) {
        poll.id = uniquePollId(context.deck, slugify(value), poll);
        idInput.value = poll.id;
      }
      context.changed();
    },
  });
  const typeSelect = select({
    value: String(poll.type || ''),
    testid: 'poll-type',
    choices: context.types.map((item) => ({ value: item.type, label: item.label })),
    onChange: (value) => {
      const to = context.types.find((item) => item.type === value);
      if (to) changeType(poll, to, context.types);
      context.changed(true);
    },
  });
  return group(
    { path, legend: t('Poll'), testid: 'poll', className: 'poll-fields' },
    field({ path: `${path}.question`, label: t('Question'), control: question, testid: 'field-question' }),
    h(
      'div',
      { class: 'field-row' },
      field({ path: `${path}.type`, label: t('Type'), control: typeSelect }),
      field({ path: `${path}.id`, label: t('Poll id'), control: idInput, hint: t('Names the poll in results and exports; made from the question until you change it.') }),
    ),
    ...(type ? type.deck_keys : []).map((key) => keyField(poll, key, `${path}.${key}`, context)),
    checkboxField({
      path: `${path}.results_visible`,
      label: t('Show results on the screen from the start'),
      hint: t('Off: results stay hidden until you reveal them from the console.'),
      checked: poll.results_visible !== false,
      testid: 'poll-results-visible',
      onChange: (checked) => {
        if (checked && !('results_visible' in poll)) return;
        poll.results_visible = checked;
        context.changed();
      },
    }),
  );
}

/**
 * The field for one of a type's deck keys.
 * @param {DeckData} poll
 * @param {string} key
 * @param {string} path
 * @param {PollContext} context
 */
function keyField(poll, key, path, context) {
  if (key === 'options') return optionsField(poll, path, context);
  if (key === 'scale') return scaleField(poll, path, context);
  if (key === 'max_length') {
    return field({
      path,
      label: t('Longest answer (characters)'),
      hint: t('Empty: the default, 80.'),
      control: textInput({ value: poll.max_length, inputmode: 'numeric', testid: 'poll-max-length', onInput: (value) => {
        setOptional(poll, key, value.trim() ? wholeOrText(value) : undefined);
        context.changed();
      } }),
    });
  }
  return otherField(poll, key, path, context);
}

/** The choices of a choice poll. */
function optionsField(/** @type {DeckData} */ poll, /** @type {string} */ path, /** @type {PollContext} */ context) {
  // Drawing a field never changes the deck: a list is attached only once it is edited.
  /** @type {unknown[]} */
  const items = Array.isArray(poll.options) ? poll.options : [];
  return listEditor({
    path,
    legend: t('Options'),
    items,
    itemLabel: (number) => t('Option {n}', { n: number }),
    addLabel: t('Add an option'),
    testid: 'poll-options',
    maxlength: OPTION_LIMIT,
    dir: context.dir,
    onChange: () => {
      poll.options = items;
      context.changed();
    },
  });
}

/** A scale's ends: lowest and highest number, and the words at each end. */
function scaleField(/** @type {DeckData} */ poll, /** @type {string} */ path, /** @type {PollContext} */ context) {
  // The format's default scale is 1 to 5; it is written into the deck only once the person edits it.
  const scale = poll.scale && typeof poll.scale === 'object' && !Array.isArray(poll.scale) ? poll.scale : { min: 1, max: 5 };
  const edited = () => {
    poll.scale = scale;
    context.changed();
  };
  /** The label kept under each end's number (a label between the ends, written by hand, stays as it is). */
  const labels = () => (scale.labels && typeof scale.labels === 'object' ? scale.labels : {});
  const setLabel = (/** @type {unknown} */ at, /** @type {string} */ text) => {
    const next = { ...labels() };
    setOptional(next, String(at), text.trim() ? text : undefined);
    setOptional(scale, 'labels', Object.keys(next).length ? next : undefined);
  };
  const lowLabel = textInput({ value: labels()[String(scale.min)], testid: 'scale-min-label', maxlength: LABEL_LIMIT, dir: context.dir, onInput: (value) => {
    setLabel(scale.min, value);
    edited();
  } });
  const highLabel = textInput({ value: labels()[String(scale.max)], testid: 'scale-max-label', maxlength: LABEL_LIMIT, dir: context.dir, onInput: (value) => {
    setLabel(scale.max, value);
    edited();
  } });
  /** A new end number: its label moves with it. */
  const end = (/** @type {'min' | 'max'} */ which, /** @type {HTMLInputElement} */ labelInput) => (/** @type {string} */ value) => {
    const before = scale[which];
    scale[which] = wholeOrText(value);
    const text = labels()[String(before)];
    if (text !== undefined && String(before) !== String(scale[which])) {
      setLabel(before, '');
      setLabel(scale[which], String(text));
    }
    labelInput.value = labels()[String(scale[which])] || '';
    edited();
  };
  return group(
    { path, legend: t('Scale'), hint: t('Whole numbers, 2 to 11 steps; the words at each end are optional.'), testid: 'poll-scale', className: 'scale-fields' },
    h(
      'div',
      { class: 'field-row' },
      field({ path: `${path}.min`, label: t('Lowest'), control: textInput({ value: scale.min, inputmode: 'numeric', testid: 'scale-min', onInput: end('min', lowLabel) }) }),
      field({ path: `${path}.labels.low`, label: t('Word at the lowest end'), control: lowLabel }),
    ),
    h(
      'div',
      { class: 'field-row' },
      field({ path: `${path}.max`, label: t('Highest'), control: textInput({ value: scale.max, inputmode: 'numeric', testid: 'scale-max', onInput: end('max', highLabel) }) }),
      field({ path: `${path}.labels.high`, label: t('Word at the highest end'), control: highLabel }),
    ),
  );
}

/** A key this page has no special field for: its value as written (JSON for anything but text). */
function otherField(/** @type {DeckData} */ poll, /** @type {string} */ key, /** @type {string} */ path, /** @type {PollContext} */ context) {
  const value = poll[key];
  const shown = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return field({
    path,
    label: key,
    hint: t('Written as in the deck file: text, a number, true or false, or a JSON list.'),
    control: textInput({ value: shown, testid: `poll-${key}`, onInput: (text) => {
      /** @type {unknown} */
      let parsed = text;
      try {
        parsed = text.trim() ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      setOptional(poll, key, parsed);
      context.changed();
    } }),
  });
}
