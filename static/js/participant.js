// Participant phone page: wait for polls, answer them, see results when the facilitator shows them.
// The parts: ./participant/connection.js (joining, token), ./participant/render.js (the screen),
// ./participant/answers.js (sending answers), ./participant/service-worker.js (the offline page); the
// answer controls are the poll types' (./polls/).
import { request } from './socket.js';
import { newPhoneState } from './participant/state.js';
import { joinSession } from './participant/connection.js';
import { createPhoneView } from './participant/render.js';
import { createAnswering } from './participant/answers.js';
import { Countdown } from './countdown.js';
import { element } from './dom.js';
import { registerOfflinePage } from './participant/service-worker.js';
import { phoneReactions } from './reactions/phone.js';
import { createPhoneQuestions } from './questions/phone.js';

const state = newPhoneState();
const answering = createAnswering(state, (payload) => request(follower.socket, 'submit_answer', payload), {
  renderStatus: () => view.renderStatus(),
  showValue: (value) => view.showValue(value),
});
const view = createPhoneView(state, answering.contextFor);
const countdown = new Countdown();
element('#phone-timer', HTMLElement).append(...countdown.parts());
const follower = joinSession((document.body.dataset.code || '').trim(), state, {
  onStatus: view.setConnected,
  showSlide: view.showSlide,
  renderPoll: view.renderPoll,
  renderResults: view.renderResults,
  countdown,
});
phoneReactions(element('#reactions', HTMLElement), follower.socket);
createPhoneQuestions(follower.socket, element('#qa', HTMLElement));
follower.socket.on('session_state', (s) => {
  if (s && typeof s.phone_slides === 'boolean') view.setPhoneSlides(s.phone_slides);
});
follower.socket.on('phone_slides', (msg) => view.setPhoneSlides(Boolean(msg && msg.visible)));
registerOfflinePage();
