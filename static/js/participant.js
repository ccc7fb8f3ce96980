// Participant phone page: wait for polls, answer them, see results when the facilitator shows them.
import { $, h, setText, show } from './dom.js';
import { connect, request, ackMessage, fullScreenMessage, followSession } from './socket.js';
import { ResultsView } from './charts.js';

const code = (document.body.dataset.code || '').trim();
const CODE = code.toUpperCase();
const storageKey = `workshop:participant:${CODE}`;

const els = {
  title: $('#slide-title'),
  waiting: $('#waiting'),
  poll: $('#poll'),
  question: $('#poll-question'),
  hint: $('#poll-hint'),
  form: $('#poll-form'),
  status: $('#answer-status'),
  resultsWrap: $('#phone-results-wrap'),
  results: $('#phone-results'),
};

const state = {
  slide: null,
  myAnswers: {}, // poll id -> stored value (acknowledged by the server)
  drafts: {}, // poll id -> value chosen here but not (yet) stored
  results: {}, // poll id -> latest RESULTS
  notice: null, // {poll, kind: 'saving'|'error', text}
  ended: false,
};
let controls = null; // the built form for the current poll
let submitSeq = 0;
const resultsView = new ResultsView(els.results, { variant: 'phone', announceEvery: 10000 });

// ---- participant token -------------------------------------------------------------------
function loadToken() {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}
function saveToken(value) {
  try {
    if (value) window.localStorage.setItem(storageKey, value);
    else window.localStorage.removeItem(storageKey);
  } catch {
    /* private mode: the token then lives only in memory */
  }
}
let token = loadToken();
let retriedWithoutToken = false;

// ---- connection --------------------------------------------------------------------------
const socket = connect(() => (token ? { code, participant: token } : { code }), {
  onFatal(reason) {
    if (reason === 'unauthorized' && token && !retriedWithoutToken) {
      // A stale token (e.g. from an old session with the same code): join afresh.
      retriedWithoutToken = true;
      token = null;
      saveToken(null);
      return 'retry';
    }
    if (reason === 'session_ended') showEnded();
    else if (reason === 'unknown_session') {
      fullScreenMessage({
        title: 'Workshop not found',
        message: `That code does not match a live workshop. Check the code on the screen (${CODE}) and try again.`,
        testid: 'unknown-session',
        link: { href: '/', text: 'Try another code' },
        tone: 'warn',
      });
    } else {
      fullScreenMessage({
        title: 'Cannot join',
        message: 'This link is not valid any more. Scan the QR code on the screen again.',
        testid: 'unauthorized',
        link: { href: '/', text: 'Enter a code' },
        tone: 'warn',
      });
    }
    return null;
  },
  onStatus(connected) {
    if (controls) controls.setConnected(connected);
  },
});

socket.on('session_state', (s) => {
  if (!s) return;
  if (s.participant && s.participant !== token) {
    token = s.participant;
    saveToken(token);
  }
  state.myAnswers = { ...(s.my_answers || {}) };
  const poll = s.slide && s.slide.poll;
  if (poll && s.my_answer !== undefined && s.my_answer !== null && !(poll.id in state.myAnswers)) {
    state.myAnswers[poll.id] = s.my_answer;
  }
  if (s.results && s.results.poll) state.results[s.results.poll] = s.results;
  if (s.session && s.session.title) document.title = `${s.session.title} · Workshop`;
  if (s.session && s.session.status === 'ended') {
    showEnded();
    return;
  }
  setSlide(s.slide);
});

followSession(socket, state, { setSlide, renderPoll: () => renderPoll(), renderResults: () => renderResults() });

socket.on('session_ended', () => showEnded());

// ---- rendering ---------------------------------------------------------------------------
function showEnded() {
  if (state.ended) return;
  state.ended = true;
  socket.stop();
  fullScreenMessage({
    title: 'Thank you!',
    message: 'This workshop has ended. Thank you for taking part — your answers stay anonymous.',
    testid: 'ended',
  });
}

function setSlide(slide) {
  if (state.ended || !slide) return;
  const previousPoll = state.slide && state.slide.poll ? state.slide.poll.id : null;
  state.slide = slide;
  setText(els.title, slide.title || 'Workshop');
  const poll = slide.poll;
  show(els.waiting, !poll);
  show(els.poll, Boolean(poll));
  if (!poll) {
    controls = null;
    els.form.replaceChildren();
    resultsView.reset();
    return;
  }
  if (previousPoll !== poll.id) resultsView.reset();
  renderPoll();
}

function pollKey(poll) {
  return JSON.stringify([poll.id, poll.type, poll.options, poll.scale, poll.max_length]);
}

function renderPoll() {
  const poll = state.slide.poll;
  setText(els.question, poll.question);
  if (!controls || controls.key !== pollKey(poll)) {
    controls = buildControls(poll);
    controls.key = pollKey(poll);
    els.form.replaceChildren(...controls.nodes);
  }
  const open = poll.status === 'open';
  els.poll.classList.toggle('is-closed', !open);
  controls.setOpen(open);
  controls.setConnected(socket.connected);
  if (!open) {
    // A closed poll shows what was stored, not an unsaved draft.
    delete state.drafts[poll.id];
    controls.showValue(state.myAnswers[poll.id]);
  }
  renderHint();
  renderStatus();
  renderResults();
}

const HINTS = {
  single: 'Tap one answer.',
  multiple: 'Choose all that apply, then press Submit.',
  scale: 'Tap a number.',
  text: 'Type a short answer, then press Submit.',
};

function renderHint() {
  const poll = state.slide.poll;
  setText(els.hint, poll.status === 'open' ? HINTS[poll.type] || '' : 'This poll is closed');
  els.hint.classList.toggle('is-closed', poll.status !== 'open');
}

function hasAnswer(value) {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0) && value !== '';
}

function describe(poll, value) {
  if (!hasAnswer(value)) return '';
  if (poll.type === 'single') return poll.options[value] ?? String(value);
  if (poll.type === 'multiple') return [].concat(value).map((i) => poll.options[i] ?? String(i)).join(', ');
  if (poll.type === 'scale') {
    const label = poll.scale && poll.scale.labels ? poll.scale.labels[String(value)] : null;
    return label ? `${value} (${label})` : String(value);
  }
  return `“${value}”`;
}

function renderStatus() {
  const poll = state.slide.poll;
  const saved = state.myAnswers[poll.id];
  let text = '';
  let kind = '';
  if (poll.status !== 'open') {
    text = hasAnswer(saved) ? `Your answer: ${describe(poll, saved)}` : 'You did not answer this one.';
    kind = 'closed';
  } else if (state.notice && state.notice.poll === poll.id) {
    ({ text, kind } = state.notice);
  } else if (hasAnswer(saved)) {
    text = 'Answer saved — you can change it while the poll is open';
    kind = 'ok';
  }
  setText(els.status, text);
  els.status.dataset.kind = kind;
}

function renderResults() {
  const poll = state.slide && state.slide.poll;
  if (!poll) return;
  const results = state.results[poll.id];
  if (!poll.results_visible || !results) {
    show(els.resultsWrap, false);
    return;
  }
  show(els.resultsWrap, true);
  if (results.suppressed) {
    const n = results.needed || 0;
    resultsView.showMessage(`Waiting for ${n} more ${n === 1 ? 'answer' : 'answers'}`);
  } else {
    resultsView.showChart(poll, results);
  }
}

// ---- answering ---------------------------------------------------------------------------
async function submit(poll, value) {
  state.drafts[poll.id] = value;
  const seq = ++submitSeq;
  state.notice = { poll: poll.id, kind: 'saving', text: 'Saving…' };
  renderStatus();
  if (controls) controls.showValue(value);
  const res = await request(socket, 'submit_answer', { poll: poll.id, value });
  // The server acknowledges with the value as stored (text is trimmed and normalised).
  const stored = res.ok && res.value !== undefined && res.value !== null ? res.value : value;
  if (seq !== submitSeq) {
    if (res.ok) state.myAnswers[poll.id] = stored; // a newer answer is on its way; keep this one as a fallback
    return;
  }
  if (res.ok) {
    state.myAnswers[poll.id] = stored;
    delete state.drafts[poll.id];
    state.notice = null;
  } else {
    // Keep the selection so the person can simply try again.
    state.notice = { poll: poll.id, kind: 'error', text: ackMessage(res.error) };
  }
  if (state.slide && state.slide.poll && state.slide.poll.id === poll.id) {
    renderStatus();
    if (controls) controls.showValue(state.drafts[poll.id] ?? state.myAnswers[poll.id]);
  }
}

function currentValue(poll) {
  return state.drafts[poll.id] ?? state.myAnswers[poll.id];
}

function buildControls(poll) {
  if (poll.type === 'single') return buildChoice(poll, 'single');
  if (poll.type === 'scale') return buildScale(poll);
  if (poll.type === 'multiple') return buildMultiple(poll);
  return buildText(poll);
}

/** Big buttons, one tap answers (aria-pressed shows the chosen one). */
function buildChoice(poll) {
  const buttons = poll.options.map((option, index) =>
    h(
      'button',
      {
        type: 'button',
        class: 'choice',
        'data-testid': 'option',
        'aria-pressed': 'false',
        dataset: { index },
        onclick: () => {
          submit(poll, index);
        },
      },
      h('span', { class: 'choice-mark', 'aria-hidden': 'true' }),
      h('span', { class: 'choice-text' }, option),
    ),
  );
  const group = h('div', { class: 'choices', role: 'group', 'aria-labelledby': 'poll-question' }, buttons);
  return tapControls(poll, [group], buttons, (b) => Number(b.dataset.index));
}

/**
 * Whether a poll's controls may be used: the poll is open and the server is reachable.
 * `apply(gate)` re-enables or disables the controls whenever either changes.
 */
function controlGate(apply) {
  const gate = {
    open: true,
    online: true,
    setOpen(v) {
      gate.open = v;
      apply(gate);
    },
    setConnected(v) {
      gate.online = v;
      apply(gate);
    },
  };
  return gate;
}

/** Controls where one tap answers: disabled unless open and online; aria-pressed marks the chosen value. */
function tapControls(poll, nodes, buttons, valueOf) {
  const gate = controlGate(({ open, online }) => buttons.forEach((b) => (b.disabled = !open || !online)));
  const c = {
    nodes,
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      const saved = state.myAnswers[poll.id];
      buttons.forEach((b) => {
        const v = valueOf(b);
        b.setAttribute('aria-pressed', value === v ? 'true' : 'false');
        b.classList.toggle('is-saved', saved === v && value === v);
      });
    },
  };
  c.showValue(currentValue(poll));
  return c;
}

function buildScale(poll) {
  const scale = poll.scale || { min: 1, max: 5, labels: {} };
  const labels = scale.labels || {};
  const buttons = [];
  const labelCells = [];
  for (let v = scale.min; v <= scale.max; v += 1) {
    const label = labels[String(v)];
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'scale-btn',
          'data-testid': 'scale-option',
          'aria-pressed': 'false',
          dataset: { value: v },
          onclick: () => {
              submit(poll, v);
          },
        },
        h('span', { class: 'scale-btn-num' }, String(v)),
        label ? h('span', { class: 'visually-hidden' }, `, ${label}`) : null,
      ),
    );
    const pos = v === scale.min ? 'start' : v === scale.max ? 'end' : 'middle';
    labelCells.push(h('span', { class: `scale-btn-label label-${pos}` }, label || ''));
  }
  const n = scale.max - scale.min + 1;
  const row = h('div', { class: 'scale-row', role: 'group', 'aria-labelledby': 'poll-question' }, buttons);
  const labelRow = h('div', { class: 'scale-labels', 'aria-hidden': 'true' }, labelCells);
  for (const el of [row, labelRow]) el.style.setProperty('--n', String(n));
  return tapControls(poll, [h('div', { class: 'scale-input' }, row, labelRow)], buttons,
    (b) => Number(b.dataset.value));
}

function buildMultiple(poll) {
  const boxes = [];
  const labels = poll.options.map((option, index) => {
    const input = h('input', { type: 'checkbox', class: 'choice-input', name: 'options', value: index, id: `opt-${index}` });
    input.addEventListener('change', () => {
      state.drafts[poll.id] = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      if (state.notice && state.notice.poll === poll.id && state.notice.kind === 'error') {
        state.notice = null;
        renderStatus();
      }
    });
    boxes.push(input);
    return h(
      'label',
      { class: 'choice choice-check', for: `opt-${index}`, 'data-testid': 'option' },
      input,
      h('span', { class: 'choice-text' }, option),
    );
  });
  const fieldset = h(
    'fieldset',
    { class: 'choices' },
    h('legend', { class: 'visually-hidden' }, `${poll.question} Choose all that apply.`),
    labels,
  );
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-large', 'data-testid': 'submit' }, 'Submit');
  const onSubmit = (event) => {
    event.preventDefault();
    if (!gate.open) return;
    const value = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    if (!value.length) {
      state.notice = { poll: poll.id, kind: 'error', text: 'Choose at least one option first.' };
      renderStatus();
      return;
    }
    submit(poll, value);
  };
  const gate = controlGate(({ open, online }) => {
    boxes.forEach((b) => (b.disabled = !open));
    button.disabled = !open || !online;
    labels.forEach((l) => l.classList.toggle('is-disabled', !open));
  });
  const c = {
    nodes: [fieldset, h('div', { class: 'form-actions' }, button)],
    onSubmit,
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      const chosen = new Set([].concat(hasAnswer(value) ? value : []));
      const saved = new Set([].concat(hasAnswer(state.myAnswers[poll.id]) ? state.myAnswers[poll.id] : []));
      boxes.forEach((b, i) => {
        b.checked = chosen.has(i);
        labels[i].classList.toggle('is-saved', chosen.has(i) && saved.has(i));
      });
    },
  };
  c.showValue(currentValue(poll));
  return c;
}

function buildText(poll) {
  const max = poll.max_length || 80;
  const long = max > 100;
  const field = h(long ? 'textarea' : 'input', {
    id: 'text-answer',
    class: 'text-input',
    name: 'answer',
    type: long ? null : 'text',
    rows: long ? 3 : null,
    maxlength: max,
    autocomplete: 'off',
    enterkeyhint: 'send',
    'data-testid': 'text-input',
    'aria-describedby': 'text-counter',
  });
  const initial = currentValue(poll);
  field.value = typeof initial === 'string' ? initial : '';
  const counter = h('p', { id: 'text-counter', class: 'text-counter', 'data-testid': 'text-counter' });
  const updateCounter = () => {
    const used = field.value.length;
    setText(counter, `${used} / ${max} characters`);
    counter.classList.toggle('is-near', used >= max * 0.9);
  };
  field.addEventListener('input', () => {
    if (field.value.length > max) field.value = field.value.slice(0, max);
    updateCounter();
  });
  updateCounter();
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-large', 'data-testid': 'submit' }, 'Submit');
  const onSubmit = (event) => {
    event.preventDefault();
    if (!gate.open) return;
    const value = field.value.trim();
    if (!value) {
      state.notice = { poll: poll.id, kind: 'error', text: 'Write a few words first.' };
      renderStatus();
      field.focus();
      return;
    }
    submit(poll, value.slice(0, max));
  };
  if (long) {
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) onSubmit(event);
    });
  }
  const gate = controlGate(({ open, online }) => {
    field.disabled = !open;
    button.disabled = !open || !online;
  });
  const c = {
    nodes: [
      h('label', { for: 'text-answer', class: 'field-label' }, 'Your answer'),
      field,
      counter,
      h('div', { class: 'form-actions' }, button),
    ],
    onSubmit,
    setOpen: gate.setOpen,
    setConnected: gate.setConnected,
    showValue(value) {
      // Never overwrite what someone is typing; only fill in a stored answer on a closed poll.
      if (!gate.open && typeof value === 'string') field.value = value;
      if (!gate.open && !hasAnswer(value)) field.value = '';
      updateCounter();
    },
  };
  return c;
}

els.form.addEventListener('submit', (event) => {
  if (controls && controls.onSubmit) controls.onSubmit(event);
  else event.preventDefault();
});
