// The deck's pictures beside a slide's text: list, upload, insert as `![alt](name)` (never without alt text),
// delete. The server checks every upload as check-deck does (type by name and by content, size, safe SVG).
import { h, setText } from '../dom.js';
import { formatNumber, t } from '../i18n.js';
import { deletePicture, listPictures, uploadPicture } from '../deck-api.js';
import { failureText } from './failure.js';
import { newId } from './fields.js';
import { pictureMarkdown, pictureName } from './model.js';

/** @import { Picture, SlideRef } from './model.js' */

const ALT_LIMIT = 300; // media.MAX_ALT_LENGTH

/**
 * What the panel asks of the editor.
 * @typedef {object} PictureHooks
 * @property {(markdown: string) => boolean} insert  put Markdown into the slide's text (false: no slide text here)
 * @property {(name: string) => number[]} shownOn  the slides (0-based) of the edited deck that show this picture
 * @property {() => void} picturesChanged  the set of pictures or a picture's bytes changed
 * @property {number} maxBytes
 */

/** "12 KB", "1.4 MB". */
function size(/** @type {number} */ bytes) {
  if (bytes < 1024 * 1024) return t('{size} KB', { size: formatNumber(Math.max(1, Math.round(bytes / 1024))) });
  return t('{size} MB', { size: formatNumber(bytes / (1024 * 1024), { maximumFractionDigits: 1 }) });
}

export class PicturePanel {
  /** @param {string} deckId @param {PictureHooks} hooks */
  constructor(deckId, hooks) {
    this.deckId = deckId;
    this.hooks = hooks;
    /** @type {Picture[]} */
    this.pictures = [];
    const headingId = newId('pictures');
    this.list = h('ul', { class: 'picture-list', 'data-testid': 'picture-list' });
    this.empty = h('p', { class: 'field-hint', hidden: true }, t('No pictures yet. Upload one to show it on a slide.'));
    this.status = h('p', { class: 'picture-status', role: 'status', 'data-testid': 'picture-status' });
    this.file = h('input', { type: 'file', id: newId('upload'), accept: '.svg,.png,.jpg,.jpeg,.webp,.gif', 'data-testid': 'picture-file' });
    this.file.addEventListener('change', () => this.upload());
    this.alt = h('input', { type: 'text', id: newId('alt'), maxlength: ALT_LIMIT, autocomplete: 'off', 'data-testid': 'alt-text' });
    this.altProblem = h('p', { class: 'field-problem', id: `${this.alt.id}-problem`, 'data-testid': 'alt-problem', hidden: true });
    this.alt.setAttribute('aria-describedby', `${this.alt.id}-hint ${this.altProblem.id}`);
    this.altTarget = h('strong', {});
    this.altForm = h(
      'form',
      { class: 'alt-form', hidden: true, 'data-testid': 'alt-form', novalidate: true },
      h('p', { class: 'alt-form-title' }, t('Insert a picture:'), ' ', this.altTarget),
      h('label', { for: this.alt.id, class: 'field-label' }, t('Alt text (required)')),
      h('p', { class: 'field-hint', id: `${this.alt.id}-hint` }, t('What the picture shows, for people who cannot see it: one short sentence.')),
      this.alt,
      this.altProblem,
      h('p', { class: 'alt-form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'alt-insert' }, t('Insert picture')), ' ', h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => this.closeAltForm() }, t('Cancel'))),
    );
    this.altForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.insert();
    });
    /** @type {string} */
    this.inserting = '';
    this.element = h(
      'section',
      { class: 'pictures', 'aria-labelledby': headingId, 'data-testid': 'pictures' },
      h('h3', { id: headingId, class: 'pictures-heading' }, t('Pictures of this deck')),
      this.list,
      this.empty,
      this.altForm,
      h('div', { class: 'picture-upload' }, h('label', { for: this.file.id, class: 'field-label' }, t('Upload a picture')), h('p', { class: 'field-hint' }, t('SVG, PNG, JPEG, WebP or GIF, up to {size}.', { size: size(hooks.maxBytes) })), this.file),
      this.status,
    );
  }

  /** Fetch the list again. */
  async refresh() {
    const answer = await listPictures(this.deckId);
    if (!answer.ok) {
      this.say(failureText(answer));
      return;
    }
    this.pictures = answer.body;
    this.draw();
  }

  draw() {
    this.list.replaceChildren(...this.pictures.map((picture) => this.item(picture)));
    this.empty.hidden = this.pictures.length > 0;
  }

  item(/** @type {Picture} */ picture) {
    return h(
      'li',
      { class: 'picture-item', 'data-testid': 'picture', dataset: { name: picture.name } },
      picture.url ? h('img', { class: 'picture-thumb', src: picture.url, alt: '', loading: 'lazy' }) : h('span', { class: 'picture-thumb picture-thumb-missing', 'aria-hidden': 'true' }, '?'),
      h('span', { class: 'picture-text' }, h('span', { class: 'picture-name' }, picture.name), ' ', h('span', { class: 'picture-size' }, size(picture.bytes)), picture.problem ? h('span', { class: 'picture-problem' }, picture.problem) : null),
      h('span', { class: 'picture-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', disabled: !picture.url, 'data-testid': 'picture-insert', onclick: () => this.openAltForm(picture.name) }, t('Insert'), h('span', { class: 'visually-hidden' }, ` ${picture.name}`)),
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': 'picture-delete', onclick: () => this.remove(picture.name) }, t('Delete'), h('span', { class: 'visually-hidden' }, ` ${picture.name}`)),
      ),
    );
  }

  say(/** @type {string} */ text, kind = 'error') {
    setText(this.status, text);
    this.status.dataset.kind = kind;
  }

  openAltForm(/** @type {string} */ name) {
    this.inserting = name;
    setText(this.altTarget, name);
    this.alt.value = '';
    this.showAltProblem('');
    this.altForm.hidden = false;
    this.alt.focus();
  }

  closeAltForm() {
    const name = this.inserting;
    this.altForm.hidden = true;
    this.inserting = '';
    const button = Array.from(this.list.querySelectorAll('li')).find((li) => li instanceof HTMLElement && li.dataset.name === name);
    const insert = button ? button.querySelector('[data-testid="picture-insert"]') : null;
    if (insert instanceof HTMLElement) insert.focus();
  }

  showAltProblem(/** @type {string} */ text) {
    setText(this.altProblem, text);
    this.altProblem.hidden = !text;
    if (text) this.alt.setAttribute('aria-invalid', 'true');
    else this.alt.removeAttribute('aria-invalid');
  }

  /** Put `![alt](name)` into the slide's text: never without alt text. */
  insert() {
    const alt = this.alt.value.trim();
    if (!alt) {
      this.showAltProblem(t('Describe the picture first: without alt text it cannot go on a slide.'));
      this.alt.focus();
      return;
    }
    if (!this.hooks.insert(pictureMarkdown(alt, this.inserting))) {
      this.showAltProblem(t('Choose a slide first: pictures go into a slide\u2019s text.'));
      return;
    }
    this.say(t('{name} is now in the slide\u2019s text.', { name: this.inserting }), 'ok');
    this.altForm.hidden = true;
    this.inserting = '';
  }

  /** Upload the chosen file, then ask for its alt text to insert it. */
  async upload() {
    const file = this.file.files && this.file.files[0];
    if (!file) return;
    const name = pictureName(file.name);
    this.file.value = '';
    if (!name) {
      this.say(t('{file} is not a picture this app can show: use SVG, PNG, JPEG, WebP or GIF.', { file: file.name }));
      return;
    }
    if (file.size > this.hooks.maxBytes) {
      this.say(t('{file} is {size}; a picture may be at most {limit}.', { file: file.name, size: size(file.size), limit: size(this.hooks.maxBytes) }));
      return;
    }
    if (this.pictures.some((picture) => picture.name === name) && !window.confirm(t('This deck already has a picture called {name}. Replace it?', { name }))) {
      return;
    }
    this.say(t('Uploading {name}…', { name }), 'busy');
    const answer = await uploadPicture(this.deckId, name, file);
    if (!answer.ok) {
      this.say(failureText(answer));
      return;
    }
    this.hooks.picturesChanged();
    await this.refresh();
    this.say(t('{name} is uploaded. Describe it to insert it into the slide.', { name }), 'ok');
    this.openAltForm(name);
  }

  /** Delete a picture no slide shows (the editor's slides and, on the server, the saved deck's). */
  async remove(/** @type {string} */ name) {
    const shownOn = this.hooks.shownOn(name);
    if (shownOn.length) {
      this.say(t('{name} is on slide {slides}. Take it off first.', { name, slides: shownOn.map((index) => index + 1).join(', ') }));
      return;
    }
    if (!window.confirm(t('Delete the picture {name}? This cannot be undone.', { name }))) return;
    const answer = await deletePicture(this.deckId, name);
    if (!answer.ok) {
      if (answer.body && answer.body.error === 'in_use') {
        /** @type {SlideRef[]} */
        const shown = Array.isArray(answer.body.slides) ? answer.body.slides : [];
        const slides = shown.map((slide) => slide.index + 1).join(', ');
        this.say(t('{name} is still on slide {slides} of the saved deck. Save your changes, then delete it.', { name, slides }));
      } else {
        this.say(failureText(answer));
      }
      return;
    }
    this.hooks.picturesChanged();
    await this.refresh();
    this.say(t('{name} is deleted.', { name }), 'ok');
  }
}
