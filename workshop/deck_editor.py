"""The deck editor's page (`GET /decks/<id>/edit`) and its live preview (`POST /api/decks/<id>/preview`).

The page works through the deck API (`deck_api.py`) and the pictures API (`deck_media_api.py`); this module
only serves it and renders a slide body for the preview with the presenter's own function
(`render.markdown_to_html`, pictures resolved to the deck's media URLs), so the preview is never a second
Markdown implementation and stays as sanitised as the slides are.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from .deck_api import checked_id
from .deck_files import DeckFileError, valid_id
from .i18n import gettext as _
from .languages import LANGUAGE_NAMES, LANGUAGES
from .media import MAX_IMAGE_BYTES
from .render import markdown_to_html
from .web import ApiError, deck_files, is_facilitator, live, logout_token, private, require

bp = Blueprint("deck_editor", __name__)

# A slide body may be 4,000 characters (decks.py); a longer one still previews while its problem is shown.
MAX_PREVIEW_CHARS = 16_000


def _message(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("message.html", page_title=title, title=title, message=message, status=status), status


@bp.get("/decks/<deck_id>/edit")
def edit_deck(deck_id: str) -> Response | tuple[str, int]:
    """The editor of one deck (facilitators only); the page loads the deck itself, as JSON."""
    if not is_facilitator():
        return _message(_("Facilitator link needed"),
                        _("Open the facilitator link printed by workshop serve, then come back to this page."), 401)
    if not valid_id(deck_id):
        return _message(_("Not found"), _("There is no deck with this name."), 404)
    try:
        exists = deck_files().path_of(deck_id) is not None
    except DeckFileError:
        return _message(_("Not editable here"), _("This deck's file is a link to somewhere else; edit it where it "
                                                  "lives."), 403)
    if not exists:
        return _message(_("Not found"), _("There is no deck with this name."), 404)
    languages = [{"code": code, "name": LANGUAGE_NAMES[code]} for code in LANGUAGES]
    return private(render_template("deck_editor.html", page_title=_("Edit deck"), deck_id=deck_id,
                                   languages=languages, max_picture_bytes=MAX_IMAGE_BYTES,
                                   logout_token=logout_token()))


@bp.post("/api/decks/<deck_id>/preview")
def preview(deck_id: str) -> Response:
    """`{"body": MARKDOWN}` -> `{"html"}`: the body as the presenter shows it (same renderer, same sanitising)."""
    require(is_facilitator)
    checked_id(deck_id)
    payload = request.get_json(silent=True)
    body = payload.get("body", "") if isinstance(payload, dict) else None
    if not isinstance(body, str):
        raise ApiError(400, "invalid_payload", 'send JSON like {"body": "Some **Markdown**"}')
    if len(body) > MAX_PREVIEW_CHARS:
        raise ApiError(413, "too_large", f"a body to preview may be at most {MAX_PREVIEW_CHARS} characters")
    # Stripped as decks.py stores a slide's body, so the preview is what the slide will be.
    response = jsonify(html=markdown_to_html(body.strip(), live().media.url_maker(deck_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
