// How the library writes languages and times: in the page's language, through Intl.
import { pageLang } from '../i18n.js';

/**
 * A language's name in the page's language ("German" on an English page), else its code.
 * @param {string} code
 */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([pageLang()], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}

/** @type {[Intl.RelativeTimeFormatUnit, number][]} the unit to use below each age in seconds */
const UNITS = [
  ['second', 60],
  ['minute', 3600],
  ['hour', 86400],
  ['day', 86400 * 7],
  ['week', 86400 * 30],
  ['month', 86400 * 365],
  ['year', Infinity],
];
/** @type {Record<string, number>} */
const SECONDS = { second: 1, minute: 60, hour: 3600, day: 86400, week: 86400 * 7, month: 86400 * 30, year: 86400 * 365 };

/**
 * "3 minutes ago", "yesterday": how long ago an ISO time was, in the page's language.
 * @param {string} iso
 * @param {number} [now]  milliseconds since the epoch
 */
export function relativeTime(iso, now = Date.now()) {
  const seconds = (Date.parse(iso) - now) / 1000;
  const age = Math.abs(seconds);
  const [unit] = UNITS.find(([, below]) => age < below) || UNITS[UNITS.length - 1];
  const format = new Intl.RelativeTimeFormat(pageLang(), { numeric: 'auto' });
  return format.format(Math.round(seconds / SECONDS[unit]), unit);
}

/**
 * The date and time in full, as the page's locale writes them.
 * @param {string} iso
 */
export function fullTime(iso) {
  return new Intl.DateTimeFormat(pageLang(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
