// The slide as the projector will show it, beside the editor's fields: the presenter's own stage markup and
// styles (staff.css), its fitting (stage-fit.js), its results chart (results-view.js, empty), and the body's HTML
// from the server's renderer (`POST /api/decks/<id>/preview`), so no second Markdown implementation exists.
import { previewBody } from '../deck-api.js';
import { h, setText, setSlideHtml, show } from '../dom.js';
import { t } from '../i18n.js';
import { fillResources } from '../resources.js';
import { ResultsView } from '../results-view.js';
import { fitStage, slideOverflows } from '../stage-fit.js';

/** @import { DeckData } from './model.js' */
/** @import { Poll, Resources } from '../types.js' */

const DEBOUNCE_MS = 250;
const CACHED_BODIES = 40;

/** The deck's resources as the last slide shows them (a list alone gets the format's default title). */
function resourcesOf(/** @type {DeckData} */ deck) {
  const raw = deck.resources;
  /** @type {unknown[]} */
  const items = Array.isArray(raw) ? raw : raw && Array.isArray(raw.items) ? raw.items : [];
  const title = raw && !Array.isArray(raw) && typeof raw.title === 'string' && raw.title.trim() ? raw.title : t('If today stirred something up');
  /** @type {Resources} */
  const resources = { title, items: items.filter((item) => typeof item === 'string' && item.trim()).map(String) };
  return resources;
}

/** A deck poll as a payload the presenter's chart takes (open, no answers yet). */
function payloadOf(/** @type {DeckData} */ poll) {
  /** @type {Poll} */
  const payload = { id: String(poll.id || 'preview'), type: String(poll.type || ''), question: String(poll.question || ''), status: 'open', opened: true, results_visible: true, total: 0 };
  if (Array.isArray(poll.options)) payload.options = poll.options.map((option) => String(option ?? ''));
  if (poll.scale && typeof poll.scale === 'object') {
    const min = Number.isInteger(poll.scale.min) ? poll.scale.min : 1;
    const max = Number.isInteger(poll.scale.max) ? poll.scale.max : 5;
    // Only a scale the server would take is drawn (a typo in max must not draw a thousand columns).
    if (min >= 0 && min < max && max <= min + 10) payload.scale = { min, max, labels: { ...(poll.scale.labels || {}) } };
  }
  if (Number.isInteger(poll.max_length)) payload.max_length = poll.max_length;
  return payload;
}

export class Preview {
  /** @param {string} deckId */
  constructor(deckId) {
    this.deckId = deckId;
    this.kicker = h('p', { class: 'stage-kicker' });
    this.title = h('h3', { class: 'stage-title', 'data-testid': 'preview-title' });
    this.body = h('div', { class: 'stage-body slide-html', 'data-testid': 'preview-body' });
    this.resources = h('section', { class: 'resources stage-resources' }, h('h3', { class: 'resources-title' }), h('ul', { class: 'resources-list' }));
    this.question = h('h4', { class: 'stage-question', 'data-testid': 'preview-question' });
    this.results = h('div', { class: 'stage-results' });
    this.poll = h('section', { class: 'stage-poll' }, h('div', { class: 'stage-poll-head' }, this.question, h('span', { class: 'badge', dataset: { status: 'open' } }, t('Open'))), this.results);
    this.slide = h('div', { class: 'stage-slide' }, this.kicker, this.title, this.body, this.resources, this.poll);
    this.joinPanel = h(
      'div',
      { class: 'join-panel', dataset: { mode: 'corner' } },
      h('div', { class: 'join-qr editor-qr' }),
      h('div', { class: 'join-text' }, h('p', { class: 'join-url' }, t('the join address')), h('p', { class: 'join-code-line' }, t('Code'), ' ', h('span', { class: 'join-code', translate: 'no' }, 'ABC123'))),
    );
    this.stage = h('div', { class: 'stage', dataset: { kind: 'content', poll: 'none' } }, this.slide, h('div', { class: 'stage-footer' }, h('div', { class: 'stage-footer-left' }, h('p', { class: 'stage-people' }, t('0 joined'))), this.joinPanel));
    // A picture of the slide, not a second copy of its fields: inert, so its links cannot be followed and a
    // screen reader reads the fields themselves once.
    this.element = h('div', { class: 'editor-preview-frame', 'data-testid': 'preview', inert: true }, this.stage);
    this.view = new ResultsView(this.results, { variant: 'presenter', announceEvery: 3_600_000 });
    this.view.live.removeAttribute('aria-live');
    /** @type {Map<string, string>} body -> html */
    this.cache = new Map();
    /** @type {AbortController | null} */
    this.pending = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    new ResizeObserver(() => this.fit()).observe(this.slide);
    this.body.addEventListener('load', () => this.fit(), true); // pictures arrive after layout
  }

  /** Draw slide `index` of the deck (its body's HTML follows when the server has rendered it). */
  show(/** @type {DeckData} */ deck, /** @type {number} */ index) {
    const slides = Array.isArray(deck.slides) ? deck.slides : [];
    const slide = slides[index] || {};
    const poll = slide.poll && typeof slide.poll === 'object' ? slide.poll : null;
    const kind = slide.kind === 'join' ? 'join' : 'content';
    this.element.lang = typeof deck.lang === 'string' ? deck.lang : 'en';
    this.element.dir = deck.lang === 'ar' ? 'rtl' : 'ltr';
    this.stage.dataset.kind = kind;
    this.stage.dataset.poll = poll && kind !== 'join' ? String(poll.type || 'none') : 'none';
    this.joinPanel.dataset.mode = kind === 'join' ? 'join' : 'corner';
    setText(this.kicker, `${index + 1} / ${slides.length}`);
    setText(this.title, typeof slide.title === 'string' ? slide.title : '');
    fillResources(this.resources, index === slides.length - 1 ? resourcesOf(deck) : null);
    if (poll && kind !== 'join') {
      show(this.poll, true);
      const payload = payloadOf(poll);
      setText(this.question, payload.question);
      this.view.showChart(payload, { poll: payload.id, total: 0, suppressed: false });
    } else {
      show(this.poll, false);
      this.view.reset();
    }
    this.renderBody(typeof slide.body === 'string' ? slide.body : '');
    this.fit();
  }

  /** The body's HTML: at once from the cache, else from the server after a short pause in typing. */
  renderBody(/** @type {string} */ body) {
    clearTimeout(this.timer);
    const cached = this.cache.get(body);
    if (cached !== undefined || !body.trim()) {
      this.setBody(cached || '');
      return;
    }
    this.element.setAttribute('aria-busy', 'true');
    this.timer = setTimeout(() => this.fetchBody(body), DEBOUNCE_MS);
  }

  async fetchBody(/** @type {string} */ body) {
    if (this.pending) this.pending.abort();
    const controller = new AbortController();
    this.pending = controller;
    const answer = await previewBody(this.deckId, body, controller.signal);
    if (!answer.ok) {
      // Offline or refused (a body far over the limit): keep the last preview; the fields say what is wrong.
      if (this.pending === controller) this.element.removeAttribute('aria-busy');
      return;
    }
    const html = answer.body && typeof answer.body.html === 'string' ? answer.body.html : '';
    if (this.cache.size >= CACHED_BODIES) this.cache.clear();
    this.cache.set(body, html);
    if (this.pending === controller) this.setBody(html);
  }

  setBody(/** @type {string} */ html) {
    setSlideHtml(this.body, html); // server-rendered from Markdown with raw HTML off (render.py)
    show(this.body, Boolean(html));
    this.element.removeAttribute('aria-busy');
    this.fit();
  }

  /** Forget rendered bodies (a picture was added or replaced: its URL changed). */
  forget() {
    this.cache.clear();
    setSlideHtml(this.body, '');
  }

  fit() {
    fitStage(this.stage, () => slideOverflows(this.slide, this.poll, this.results));
  }
}
