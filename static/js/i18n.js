// The interface's words in the page's language. The server compiles the same gettext catalogue the templates
// use into a small JSON (<script type="application/json" id="i18n">, before the page's module) holding only this
// page's messages: {"lang": "de", "messages": {MSGID: TEXT, SINGULAR_MSGID: {CLDR_CATEGORY: TEXT, ...}}}
// (workshop/catalogues.py, workshop/i18n.py). A message it lacks is shown as written: English pages get none.
// Write `t('Saved')`, `t('Poll {n}', {n: 2})`, `nt('{n} answer', '{n} answers', count, {n: count})`, with literal
// strings, one whole sentence each, and never a `t` or `nt` inside another's arguments: pybabel extracts them
// (babel.cfg), and the server finds each page's messages the same way.

/**
 * @typedef {Record<string, string | number>} Params
 * @typedef {{lang?: string, messages?: Record<string, string | Record<string, string>>}} Catalogue
 */

/** @type {Catalogue} */
let catalogue = {};
try {
  catalogue = JSON.parse(document.getElementById('i18n')?.textContent || '{}');
} catch {
  // a broken catalogue must not stop the page: English it is
}
const lang = catalogue.lang || document.documentElement.lang || 'en';
const messages = catalogue.messages || {};

/** Fill `{name}` placeholders. */
const fill = (/** @type {string} */ text, /** @type {Params | undefined} */ params) =>
  params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;

/**
 * A message in the page's language.
 * @param {string} msgid
 * @param {Params} [params]
 */
export function t(msgid, params) {
  const text = messages[msgid];
  return fill(typeof text === 'string' ? text : msgid, params);
}

/**
 * A message that depends on a count, its form chosen by the language's plural rules (the CLDR category, which
 * the catalogue's compiler checked against the .po file's Plural-Forms); English's without a translation.
 * @param {string} singular
 * @param {string} plural
 * @param {number} count
 * @param {Params} [params]
 */
export function nt(singular, plural, count, params) {
  const forms = messages[singular];
  const text = typeof forms === 'object' && (forms[new Intl.PluralRules(lang).select(count)] || forms.other);
  return fill(text || (new Intl.PluralRules('en').select(count) === 'one' ? singular : plural), params);
}

/**
 * A number as the page's language writes it (digits, separators, "%").
 * @param {number} value
 * @param {Intl.NumberFormatOptions} [options]
 */
export const formatNumber = (value, options) => new Intl.NumberFormat(lang, options).format(value);

/** The deck's or people's words inside a message, in an isolate of their own: a right-to-left message keeps its
 * order around a left-to-right title, and the other way round. */
export const isolate = (/** @type {string} */ text) => `\u2068${text}\u2069`;

/** Items joined as the page's language lists them ("a, b and c"). */
export const formatList = (/** @type {string[]} */ items) => new Intl.ListFormat(lang).format(items);

/** The page's language code (`en`, `ar`, ...), for Intl formatters. */
export const pageLang = () => lang;
