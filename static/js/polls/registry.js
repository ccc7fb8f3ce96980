// The browser's poll-type registry: one definition per type, registered by its module
// (static/js/polls/<type>.js, all imported by ./index.js). Pages ask `pollType(poll.type)` for a
// label, a hint, an answer control or a chart and never compare type names themselves.
// Adding a type: one new module that calls `register`, and its import line in ./index.js.

/** @import { Poll, Results, AnswerValue, PollTypeName } from '../types.js' */

/**
 * Where results are drawn: the projector, the facilitator's console preview, or a phone.
 * @typedef {'presenter' | 'console' | 'phone'} ChartVariant
 */

/**
 * A results chart: builds its DOM once, then updates it in place.
 * @typedef {object} Chart
 * @property {HTMLElement} el
 * @property {(results: Results) => void} update
 * @property {(results: Results) => string} summary  one sentence for screen readers
 * @property {(results: Results) => boolean} [isEmpty]  true when there is nothing to draw yet
 */

/**
 * What an answer control may ask of the phone page.
 * @typedef {object} AnswerContext
 * @property {(value: AnswerValue) => void} submit  send (or re-send) this answer
 * @property {() => AnswerValue | undefined} saved  the answer the server has stored
 * @property {() => AnswerValue | undefined} current  an unsent draft, else the stored answer
 * @property {(value: AnswerValue) => void} draft  remember a choice not sent yet
 * @property {(text: string) => void} refuse  tell the person why nothing was sent
 * @property {() => void} clearRefusal  drop that message once they change their choice
 */

/**
 * A poll's answer control on the phone, inside the page's <form>.
 * @typedef {object} AnswerControl
 * @property {Node[]} nodes
 * @property {(open: boolean) => void} setOpen
 * @property {(online: boolean) => void} setConnected
 * @property {(value: AnswerValue | undefined) => void} showValue  show a draft or the stored answer
 * @property {(event: Event) => void} [onSubmit]  the form's submit (types answered with one tap have none)
 */

/**
 * Everything the pages need to know about one poll type.
 * @typedef {object} PollTypeDefinition
 * @property {PollTypeName} name  as in decks and payloads
 * @property {string} label  the console's badge ("Single choice")
 * @property {string} hint  the phone's instruction while the poll is open
 * @property {(poll: Poll, context: AnswerContext) => AnswerControl} control  the phone's answer control
 * @property {(poll: Poll, value: AnswerValue) => string} describe  a stored answer in words ("Your answer: …")
 * @property {(poll: Poll, variant: ChartVariant) => Chart | null} chart  the results chart for a page
 * @property {readonly string[]} [views]  ways screens can show the results, switchable in the console
 *   (`set_text_view`); the first is the default
 * @property {boolean} [moderated]  the facilitator can hide single answers (`hide_answer`); the console
 *   then shows its moderation list
 */

/** @type {Map<PollTypeName, PollTypeDefinition>} */
const definitions = new Map();

/** Register a poll type under its name (a module calls this once, on import). */
export function register(/** @type {PollTypeDefinition} */ definition) {
  if (definitions.has(definition.name)) throw new Error(`poll type '${definition.name}' is registered twice`);
  definitions.set(definition.name, definition);
  return definition;
}

/**
 * The definition of a poll type. A type this browser code does not know (a newer server) gets a
 * stand-in that names it, offers no control and draws no chart, so the page keeps working.
 * @param {PollTypeName} name
 * @returns {PollTypeDefinition}
 */
export function pollType(name) {
  return definitions.get(name) || unsupported(name);
}

/** @param {PollTypeName} name @returns {PollTypeDefinition} */
function unsupported(name) {
  return {
    name,
    label: name,
    hint: '',
    control: () => ({ nodes: [], setOpen() {}, setConnected() {}, showValue() {} }),
    describe: (_poll, value) => String(value),
    chart: () => null,
  };
}

// Fields of a poll payload that change while it runs; the rest is its definition from the deck.
const LIVE_FIELDS = new Set(['status', 'results_visible', 'total', 'view']);

/**
 * A key that changes only when a poll's definition does (another poll, other options…), so a control
 * or chart is rebuilt then and merely updated otherwise. `extra` adds live fields that shape it.
 * @param {Poll} poll
 * @param {...string} extra
 */
export function definitionKey(poll, ...extra) {
  const fields = Object.entries(poll).filter(([name]) => !LIVE_FIELDS.has(name) || extra.includes(name));
  return JSON.stringify(fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
