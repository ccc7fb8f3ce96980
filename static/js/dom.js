// Tiny DOM helpers. Everything that comes from people or decks is set with textContent;
// the only innerHTML in the app is the server-rendered slide body (see setSlideHtml).

/** querySelector shorthand. */
export const $ = (/** @type {string} */ selector, /** @type {ParentNode} */ root = document) => root.querySelector(selector);

/**
 * The elements matching `selector` that are of the given kind, as an array.
 * @template {Element} E
 * @param {string} selector
 * @param {{new (): E, prototype: E}} type  e.g. HTMLButtonElement
 * @returns {E[]}
 */
export function $$(selector, type) {
  return Array.from(document.querySelectorAll(selector)).filter(/** @returns {el is E} */ (el) => el instanceof type);
}

/**
 * An element the page's template must have, of the expected kind. A missing one is a template bug:
 * throw at once rather than fail later on `null`.
 * @template {Element} E
 * @param {string} selector
 * @param {{new (): E, prototype: E}} type  e.g. HTMLButtonElement
 * @returns {E}
 */
export function element(selector, type) {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`the page has no ${type.name} ${selector}`);
  return found;
}

/**
 * Like element(), for an element only some variants of a page have: null when it is absent.
 * @template {Element} E
 * @param {string} selector
 * @param {{new (): E, prototype: E}} type
 * @returns {E | null}
 */
export function optionalElement(selector, type) {
  const found = document.querySelector(selector);
  return found instanceof type ? found : null;
}

/**
 * Something h() can append: nodes, text, numbers; null, undefined and false are skipped; arrays nest.
 * @typedef {Node | string | number | boolean | null | undefined | ChildList} Child
 * @typedef {Child[]} ChildList
 */

/**
 * Create an element: h('button', {class: 'btn', type: 'button', onclick: fn, dataset: {x: 1}}, 'Text', child).
 * Attribute values of false/null/undefined are skipped; true sets an empty attribute.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') {
      for (const [k, v] of Object.entries(/** @type {Record<string, unknown>} */ (value))) el.dataset[k] = String(v);
    } else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else if (name === 'text') {
      el.textContent = String(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children (nested arrays flattened), skipping the empty ones. */
function append(/** @type {Element} */ el, /** @type {ChildList} */ children) {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child === null || child === undefined || child === false) continue;
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Set text only when it changed (avoids needless mutations and screen reader chatter). */
export function setText(/** @type {Element | null} */ el, /** @type {unknown} */ text) {
  const value = text === null || text === undefined ? '' : String(text);
  if (el && el.textContent !== value) el.textContent = value;
}

/** Show or hide with the hidden attribute. */
export function show(/** @type {HTMLElement | null} */ el, visible = true) {
  if (el && el.hidden === visible) el.hidden = !visible;
}

/** Set an attribute only when it changed. */
export function setAttr(/** @type {Element} */ el, /** @type {string} */ name, /** @type {unknown} */ value) {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/** The one place slide HTML (server-rendered, escaped Markdown) is inserted. */
export function setSlideHtml(/** @type {HTMLElement} */ el, /** @type {string | null | undefined} */ html) {
  const value = html || '';
  if (el.dataset.html !== value) {
    el.innerHTML = value; // trusted: rendered by the server from deck Markdown with raw HTML disabled
    el.dataset.html = value;
  }
}

/** Read the data-* configuration the template put on an element. */
export function config(/** @type {HTMLElement} */ el = document.body) {
  return { ...el.dataset };
}

/**
 * A polite announcer that speaks at most once per `interval` ms; the latest text wins.
 * Used for live results so screen readers hear a summary, not every tick.
 */
export function throttledAnnouncer(/** @type {HTMLElement} */ el, interval = 8000) {
  let last = 0;
  /** @type {string | null} */
  let pending = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  const flush = () => {
    timer = null;
    last = Date.now();
    setText(el, pending);
  };
  return (/** @type {string} */ text) => {
    pending = text;
    if (el.textContent === text) return;
    const wait = interval - (Date.now() - last);
    if (wait <= 0) flush();
    else if (!timer) timer = setTimeout(flush, wait);
  };
}

/** True if keyboard focus is in a text field (shortcuts must not fire there). */
export function isTyping(/** @type {EventTarget | null} */ target = document.activeElement) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target.getAttribute('type') || 'text').toLowerCase();
    return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type);
  }
  return false;
}
