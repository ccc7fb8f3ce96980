// Tiny DOM helpers. Everything that comes from people or decks is set with textContent;
// the only innerHTML in the app is the server-rendered slide body (see setSlideHtml).

/** querySelector shorthand. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** querySelectorAll as an array. */
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/**
 * Create an element: h('button', {class: 'btn', type: 'button', onclick: fn, dataset: {x: 1}}, 'Text', child).
 * Attribute values of false/null/undefined are skipped; true sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'text') {
      el.textContent = String(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Set text only when it changed (avoids needless mutations and screen reader chatter). */
export function setText(el, text) {
  const value = text === null || text === undefined ? '' : String(text);
  if (el && el.textContent !== value) el.textContent = value;
}

/** Show or hide with the hidden attribute. */
export function show(el, visible = true) {
  if (el && el.hidden === visible) el.hidden = !visible;
}

/** Set an attribute only when it changed. */
export function setAttr(el, name, value) {
  const v = String(value);
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/** The one place slide HTML (server-rendered, escaped Markdown) is inserted. */
export function setSlideHtml(el, html) {
  const value = html || '';
  if (el.dataset.html !== value) {
    el.innerHTML = value; // trusted: rendered by the server from deck Markdown with raw HTML disabled
    el.dataset.html = value;
  }
}

/** Read the data-* configuration the template put on an element. */
export function config(el = document.body) {
  return { ...el.dataset };
}

/**
 * A polite announcer that speaks at most once per `interval` ms; the latest text wins.
 * Used for live results so screen readers hear a summary, not every tick.
 */
export function throttledAnnouncer(el, interval = 8000) {
  let last = 0;
  let pending = null;
  let timer = null;
  const flush = () => {
    timer = null;
    last = Date.now();
    setText(el, pending);
  };
  return (text) => {
    pending = text;
    if (el.textContent === text) return;
    const wait = interval - (Date.now() - last);
    if (wait <= 0) flush();
    else if (!timer) timer = setTimeout(flush, wait);
  };
}

/** True if keyboard focus is in a text field (shortcuts must not fire there). */
export function isTyping(target = document.activeElement) {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target.getAttribute('type') || 'text').toLowerCase();
    return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type);
  }
  return false;
}

/** "1 answer" / "3 answers". */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
