// A slide on its 16:9 stage: its type shrinks (the stage's --fit) until it fits. The presenter's screen and the
// deck editor's preview both use it, so a preview overflows exactly when the projector would.

/**
 * Whether the slide spills out of its box: its text, or a bar chart or list that must fit its box entirely.
 * @param {HTMLElement} slide  the stage's slide box (`.stage-slide`)
 * @param {HTMLElement} poll  its poll section (`.stage-poll`)
 * @param {HTMLElement} results  the poll's results box (`.stage-results`)
 */
export function slideOverflows(slide, poll, results) {
  if (slide.scrollHeight > slide.clientHeight + 1) return true;
  // Charts live in a flexible box that clips; a bar chart or list must fit in it entirely.
  const chart = results.querySelector('.bars, .answer-list, .scale-chart');
  return Boolean(chart && !poll.hidden && results.scrollHeight > results.clientHeight + 1);
}

/**
 * Shrink the stage's type in steps of 5 % (down to 55 %) while `overflows()` says it does not fit.
 * @param {HTMLElement} stage  the element whose `--fit` scales the slide (`.stage`)
 * @param {() => boolean} overflows
 */
export function fitStage(stage, overflows) {
  let scale = 1;
  stage.style.setProperty('--fit', '1');
  for (let i = 0; i < 10 && overflows() && scale > 0.55; i += 1) {
    scale -= 0.05;
    stage.style.setProperty('--fit', scale.toFixed(2));
  }
}
