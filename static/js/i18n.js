// The interface's words in the page's language. The server compiles the same gettext catalogue the templates
// use into a small JSON (<script type="application/json" id="i18n">) holding only this page's messages:
// {"lang": "de", "messages": {MSGID: TEXT, SINGULAR_MSGID: {CLDR_CATEGORY: TEXT, ...}}}.
// A message the catalogue lacks is shown as written (English). Write `t('Saved')`, `t('Poll {n}', {n: 2})`,
// `nt('{n} answer', '{n} answers', count, {n: count})`: pybabel extracts `t` and `nt` from these modules.

/** @typedef {{lang: string, messages: Record<string, string | Record<string, string>>}} Catalogue */

/** @type {Catalogue | null} */
let catalogue = null;

/** @returns {Catalogue} */
function loaded() {
  if (catalogue) return catalogue;
  const element = typeof document === 'undefined' ? null : document.getElementById('i18n');
  let parsed = null;
  try {
    parsed = element && element.textContent ? JSON.parse(element.textContent) : null;
  } catch {
    parsed = null; // a broken catalogue must not stop the page: English it is
  }
  const lang = (parsed && parsed.lang) || (typeof document === 'undefined' ? 'en' : document.documentElement.lang) || 'en';
  catalogue = { lang, messages: (parsed && parsed.messages) || {} };
  return catalogue;
}

/** The page's language code (`en`, `ar`, ...). @returns {string} */
export function pageLang() {
  return loaded().lang;
}

/**
 * Fill `{name}` placeholders.
 * @param {string} text
 * @param {Record<string, string | number>} [params]
 */
function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/**
 * A message in the page's language.
 * @param {string} msgid
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(msgid, params) {
  const found = loaded().messages[msgid];
  return fill(typeof found === 'string' && found ? found : msgid, params);
}

/**
 * A message that depends on a count, chosen by the language's plural rules (CLDR categories, which the
 * catalogue's compiler checked against its gettext Plural-Forms).
 * @param {string} singular
 * @param {string} plural
 * @param {number} count
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function nt(singular, plural, count, params) {
  const { lang, messages } = loaded();
  const forms = messages[singular];
  if (forms && typeof forms === 'object') {
    const category = new Intl.PluralRules(lang).select(count);
    const text = forms[category] || forms.other;
    if (text) return fill(text, params);
  }
  const english = new Intl.PluralRules('en').select(count);
  return fill(english === 'one' ? singular : plural, params);
}

/**
 * A number written for the page's locale (digits, separators).
 * @param {number} value
 * @param {Intl.NumberFormatOptions} [options]
 */
export function formatNumber(value, options) {
  return new Intl.NumberFormat(pageLang(), options).format(value);
}
