// The deck's own settings: title, description, language, slide text on phones, reactions, support resources.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { checkboxField, field, select, textArea, textInput } from './fields.js';
import { listEditor } from './list-editor.js';
import { setOptional } from './model.js';

/** @import { DeckData } from './model.js' */

/**
 * @typedef {object} DeckContext
 * @property {(structure?: boolean) => void} changed
 * @property {{code: string, name: string}[]} languages
 * @property {(title: string) => void} retitle  the page's heading follows the deck's title
 * @property {string} [dir]
 */

/**
 * The settings pane.
 * @param {DeckData} deck
 * @param {DeckContext} context
 * @returns {HTMLElement}
 */
export function deckForm(deck, context) {
  const title = textInput({ value: deck.title, testid: 'deck-title', maxlength: 120, dir: context.dir, onInput: (value) => {
    deck.title = value;
    context.retitle(value);
    context.changed();
  } });
  const description = textArea({ value: deck.description, rows: 3, testid: 'deck-description', dir: context.dir, onInput: (value) => {
    setOptional(deck, 'description', value.trim() ? value : undefined);
    context.changed();
  } });
  const language = select({
    value: typeof deck.lang === 'string' ? deck.lang : 'en',
    testid: 'deck-lang',
    choices: context.languages.map((language) => ({ value: language.code, label: `${language.name} (${language.code})` })),
    onChange: (value) => {
      // English is the default: `lang: en` is written only if the file already says which language it is.
      if (value === 'en' && !('lang' in deck)) return;
      deck.lang = value;
      context.changed(true);
    },
  });
  return h(
    'div',
    { class: 'deck-fields' },
    field({ path: 'title', label: t('Title'), control: title, testid: 'field-deck-title' }),
    field({ path: 'description', label: t('Description'), hint: t('A sentence or two for the deck list.'), control: description }),
    field({ path: 'lang', label: t('Language of the deck'), hint: t('Its sessions\u2019 screens and phones use it too.'), control: language }),
    checkboxField({
      path: 'phone_slides',
      label: t('Show each slide\u2019s text on phones'),
      hint: t('Off: phones show only titles and polls. The console can switch it during a session.'),
      checked: deck.phone_slides === true,
      testid: 'deck-phone-slides',
      onChange: (checked) => {
        setOptional(deck, 'phone_slides', checked ? true : 'phone_slides' in deck ? false : undefined);
        context.changed();
      },
    }),
    reactionsFields(deck, context),
    resourcesFields(deck, context),
  );
}

/** `reactions:` true (the default set, on), false (off at the start) or a list of emoji (that set, on). */
function reactionsFields(/** @type {DeckData} */ deck, /** @type {DeckContext} */ context) {
  const raw = deck.reactions;
  const emoji = textInput({ value: Array.isArray(raw) ? raw.join(' ') : '', testid: 'deck-reactions-set', placeholder: '👍 ❤️ 😮 😂 🙏', onInput: () => write() });
  let on = raw !== false;
  const write = () => {
    const set = emoji.value.split(/[\s,]+/).filter(Boolean);
    setOptional(deck, 'reactions', !on ? false : set.length ? set : 'reactions' in deck && !Array.isArray(deck.reactions) ? true : undefined);
    emoji.disabled = !on;
    context.changed();
  };
  emoji.disabled = !on;
  return h(
    'div',
    { class: 'field-row' },
    checkboxField({ path: 'reactions-on', label: t('Reactions on at the start'), checked: on, testid: 'deck-reactions', onChange: (checked) => {
      on = checked;
      write();
    } }),
    field({ path: 'reactions', label: t('Reaction emoji'), hint: t('Up to 8, separated by spaces; empty for the default set.'), control: emoji, className: 'field-grow' }),
  );
}

/** `resources:` where people can turn if the workshop stirred something up (a list, or a title and items). */
function resourcesFields(/** @type {DeckData} */ deck, /** @type {DeckContext} */ context) {
  const raw = deck.resources;
  const mapping = raw && typeof raw === 'object' && !Array.isArray(raw);
  /** @type {unknown[]} */
  const items = Array.isArray(raw) ? [...raw] : mapping && Array.isArray(raw.items) ? [...raw.items] : [];
  let heading = mapping && typeof raw.title === 'string' ? raw.title : '';
  const write = () => {
    const current = deck.resources;
    if (!items.length && !heading.trim()) delete deck.resources;
    else if (!heading.trim() && (!current || Array.isArray(current))) deck.resources = [...items];
    else {
      const target = current && typeof current === 'object' && !Array.isArray(current) ? current : {};
      setOptional(target, 'title', heading.trim() ? heading : undefined);
      target.items = [...items];
      deck.resources = target;
    }
    context.changed();
  };
  const title = textInput({ value: heading, testid: 'resources-title', maxlength: 80, dir: context.dir, placeholder: t('If today stirred something up'), onInput: (value) => {
    heading = value;
    write();
  } });
  return h(
    'section',
    { class: 'resources-fields', 'aria-labelledby': 'resources-heading' },
    h('h3', { id: 'resources-heading' }, t('Support resources')),
    h('p', { class: 'field-hint' }, t('Shown on the last slide and on the phones\u2019 thank-you screen: where people can turn if the workshop stirred something up.')),
    field({ path: 'resources.title', label: t('Heading'), hint: t('Empty: \u201cIf today stirred something up\u201d.'), control: title }),
    listEditor({
      path: 'resources',
      legend: t('Places to turn'),
      items,
      itemLabel: (number) => t('Resource {n}', { n: number }),
      addLabel: t('Add a resource'),
      testid: 'resources',
      maxlength: 200,
      dir: context.dir,
      onChange: write,
    }),
  );
}
