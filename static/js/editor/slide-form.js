// One slide's fields: title, kind, Markdown body (with the live preview and the deck's pictures beside it),
// speaker notes, timer, Q&A, phones, and its poll.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { checkboxField, field, select, textArea, textInput } from './fields.js';
import { insertParagraph, newPoll, setOptional } from './model.js';
import { pollFields } from './poll-form.js';

/** @import { DeckData } from './model.js' */
/** @import { PollContext } from './poll-form.js' */
/** @import { Preview } from './preview.js' */
/** @import { PicturePanel } from './pictures.js' */

/**
 * What the slide's fields ask of the editor.
 * @typedef {PollContext & {preview: Preview, pictures: PicturePanel, rename: (title: string) => void,
 *   bodyArea: (area: HTMLTextAreaElement) => void}} SlideContext
 */

/** A slide's `phone:` as a choice: follow the session, or this slide's own. */
const PHONE_CHOICES = () => [
  { value: '', label: t('As the session says') },
  { value: 'true', label: t('Show its text on phones') },
  { value: 'false', label: t('Only its title on phones') },
];

/**
 * The pane for slide `index`.
 * @param {DeckData} slide
 * @param {number} index
 * @param {SlideContext} context
 * @returns {HTMLElement}
 */
export function slideForm(slide, index, context) {
  const path = `slides[${index}]`;
  const title = textInput({ value: slide.title, testid: 'slide-title', maxlength: 120, dir: context.dir, onInput: (value) => {
    slide.title = value;
    context.rename(value);
    context.changed();
  } });
  const kind = select({
    value: slide.kind === undefined ? 'content' : String(slide.kind),
    testid: 'slide-kind',
    choices: [
      { value: 'content', label: t('Content (text, pictures, a poll)') },
      { value: 'join', label: t('Join (the QR code and join code, full screen)') },
    ],
    onChange: (value) => {
      // `kind: content` is the default: written only if the file already said so.
      if (value === 'content' && !('kind' in slide)) return;
      slide.kind = value;
      context.changed(true);
    },
  });
  const body = textArea({ value: slide.body, rows: 9, testid: 'slide-body', dir: context.dir, onInput: (value) => {
    setOptional(slide, 'body', value.trim() ? value : undefined);
    context.changed();
  } });
  context.bodyArea(body);
  const notes = textArea({ value: slide.notes, rows: 4, testid: 'slide-notes', dir: context.dir, onInput: (value) => {
    setOptional(slide, 'notes', value.trim() ? value : undefined);
    context.changed();
  } });
  const timer = textInput({ value: slide.timer, testid: 'slide-timer', placeholder: '2m', onInput: (value) => {
    setOptional(slide, 'timer', value.trim());
    context.changed();
  } });
  const phone = select({
    value: typeof slide.phone === 'boolean' ? String(slide.phone) : '',
    testid: 'slide-phone',
    choices: PHONE_CHOICES(),
    onChange: (value) => {
      setOptional(slide, 'phone', value === '' ? undefined : value === 'true');
      context.changed();
    },
  });

  const isJoin = slide.kind === 'join';
  const poll = slide.poll && typeof slide.poll === 'object' ? slide.poll : null;
  const pollSection = poll
    ? h('div', { class: 'poll-section' }, pollFields(poll, `${path}.poll`, context), h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'remove-poll', onclick: () => {
        delete slide.poll;
        context.changed(true);
      } }, t('Remove the poll')))
    : isJoin
      ? null
      : h('div', { class: 'poll-section' }, h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'add-poll', onclick: () => {
          slide.poll = newPoll(context.deck, context.types[0]);
          context.autoIds.add(slide.poll);
          context.changed(true);
        } }, t('Add a poll to this slide')));

  return h(
    'div',
    { class: 'slide-columns' },
    h(
      'div',
      { class: 'slide-fields' },
      h('div', { class: 'field-row' },
        field({ path: `${path}.title`, label: t('Title'), control: title, testid: 'field-title', className: 'field-grow' }),
        field({ path: `${path}.kind`, label: t('Kind of slide'), control: kind })),
      field({
        path: `${path}.body`,
        label: t('Text (Markdown)'),
        hint: t('**bold**, *italic*, a line starting with - for a list; a blank line starts a new paragraph.'),
        control: body,
        testid: 'field-body',
      }),
      context.pictures.element,
      field({ path: `${path}.notes`, label: t('Speaker notes'), hint: t('Only you see these, on the console.'), control: notes }),
      h('div', { class: 'field-row' },
        field({ path: `${path}.timer`, label: t('Timer'), hint: t('For example 90s, 2m or 1m30s; empty for none.'), control: timer }),
        field({ path: `${path}.phone`, label: t('On phones'), control: phone })),
      checkboxField({
        path: `${path}.qa`,
        label: t('Open Q&A when this slide comes up'),
        checked: slide.qa === true,
        testid: 'slide-qa',
        onChange: (checked) => {
          setOptional(slide, 'qa', checked ? true : undefined); // false is the default
          context.changed();
        },
      }),
      pollSection,
    ),
    h(
      'section',
      { class: 'editor-preview', 'aria-labelledby': 'preview-heading' },
      h('h3', { id: 'preview-heading', class: 'preview-heading' }, t('Preview'), ' ', h('span', { class: 'field-hint' }, t('as the projector shows it'))),
      context.preview.element,
    ),
  );
}

/**
 * Put Markdown into a body text area at its cursor, as its own paragraph, as if typed.
 * @param {HTMLTextAreaElement} area
 * @param {string} markdown
 */
export function insertIntoBody(area, markdown) {
  const at = area.selectionStart ?? area.value.length;
  const { text, cursor } = insertParagraph(area.value, at, markdown);
  area.value = text;
  area.focus();
  area.setSelectionRange(cursor, cursor);
  area.dispatchEvent(new Event('input', { bubbles: true }));
}
