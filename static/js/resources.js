// The deck's support resources ("If today stirred something up"): on its last slide and the phones' end screen.
import { h, setText, show } from './dom.js';

/** @import { Resources } from './types.js' */

/**
 * Fill a resources section (an <h2> or <h3> and a <ul> inside it), or hide it when there are none.
 * @param {HTMLElement} section
 * @param {Resources | null | undefined} resources
 */
export function fillResources(section, resources) {
  const heading = section.querySelector('h2, h3');
  const list = section.querySelector('ul');
  const items = resources && Array.isArray(resources.items) ? resources.items : [];
  if (heading instanceof HTMLElement) setText(heading, resources ? resources.title : '');
  if (list) list.replaceChildren(...items.map((item) => h('li', { 'data-testid': 'resource' }, item)));
  show(section, items.length > 0);
}

/**
 * A new resources section (for the end screen).
 * @param {Resources} resources
 * @returns {HTMLElement}
 */
export function resourcesSection(resources) {
  const section = h('section', { class: 'resources', 'data-testid': 'resources', 'aria-label': resources.title },
    h('h2', { class: 'resources-title' }), h('ul', { class: 'resources-list' }));
  fillResources(section, resources);
  return section;
}
