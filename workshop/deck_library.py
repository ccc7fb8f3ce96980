"""The deck library: its page (`GET /decks`) and what it adds to the deck API, copying and renaming decks.

Facilitators only. A copy is validated as every save is (`decks.parse_deck`, as `check-deck`) before anything is
written, and is written whole or not at all (`deck_files.DeckFiles.copy`). A rename is refused while live
sessions run on the deck: each keeps its own copy of the slides, but their pictures are served from the deck's
folder under its id (`/decks/<id>/media/<file>`), which a rename would take away from under them.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from .deck_api import InvalidDeck, _if_match, checked_id
from .deck_edit import line_paths, problem_items, retitled_yaml
from .deck_files import ID_PATTERN, RESERVED_IDS, DeckFile, DeckFileError
from .decks import DeckError, parse_deck
from .i18n import gettext as _
from .web import ApiError, deck_files, is_facilitator, live, logout_token, private, require

bp = Blueprint("deck_library", __name__)

COPY_KEYS = frozenset({"to", "title"})
RENAME_KEYS = frozenset({"to"})


@bp.get("/decks")
def library() -> tuple[str, int] | Response:
    """The facilitator's decks: create, duplicate, rename, rehearse, download, upload, delete (static/js/decks/)."""
    if not is_facilitator():
        return render_template("message.html", page_title=_("Decks"), title=_("Facilitator link needed"),
                               message=_("Open the facilitator link printed by workshop serve, then come back "
                                         "to this page."), status=401), 401
    # The language choices come with every page (i18n's `languages`).
    return private(render_template("decks.html", page_title=_("Decks"), logout_token=logout_token(),
                                   id_pattern=ID_PATTERN.pattern.strip("^$"), reserved_ids=sorted(RESERVED_IDS)))


def _request(allowed: frozenset[str]) -> tuple[str, dict[str, object]]:
    """The JSON body's new id (checked) and the body; 400 for anything else."""
    body = request.get_json(silent=True)
    example = '{"to": "new-id"}'
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_payload", f"send a JSON object like {example}")
    unknown = sorted(str(key) for key in body if key not in allowed)
    if unknown:
        raise ApiError(400, "invalid_payload", f"unknown key {unknown[0]!r}; this call takes "
                                               f"{', '.join(sorted(allowed))}")
    target = body.get("to")
    if not isinstance(target, str):
        raise ApiError(400, "invalid_payload", f"'to' must be the new deck id, as in {example}")
    return checked_id(target), body


def _written(file: DeckFile, status: int) -> tuple[Response, int]:
    response = jsonify(id=file.id, etag=file.etag, modified=file.modified)
    response.set_etag(file.etag)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Location"] = url_for("decks.get_deck", deck_id=file.id)
    return response, status


@bp.post("/api/decks/<deck_id>/copy")
def copy_deck(deck_id: str) -> tuple[Response, int]:
    """Copy a deck and its pictures to a new id (201), optionally with a new title written into its YAML."""
    require(is_facilitator)
    source = checked_id(deck_id)
    target, body = _request(COPY_KEYS)
    title = body.get("title")
    if title is not None and (not isinstance(title, str) or "\n" in title or "\r" in title):
        raise ApiError(400, "invalid_payload", "'title' must be one line of text")
    files = deck_files()

    def prepare(current: DeckFile) -> bytes:
        try:
            text = current.data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidDeck([{"line": 1, "message": f"the file is not UTF-8 text ({error.reason})"}]) from error
        if title is not None:
            try:
                text = retitled_yaml(text, title)
            except ValueError as error:
                raise InvalidDeck([{"line": 1, "message": str(error)}]) from error
        try:  # the copy's pictures are the source's files: check them there, before anything is written
            parse_deck(text, target, f"{target}.yaml", files.folder_of(source))
        except DeckError as error:
            raise InvalidDeck(problem_items(error.problems, line_paths(text))) from error
        return text.encode("utf-8")

    return _written(files.copy(source, target, prepare), 201)


@bp.post("/api/decks/<deck_id>/rename")
def rename_deck(deck_id: str) -> tuple[Response, int]:
    """Give a deck a new id: its YAML and pictures move (200). Refused (409 `deck_in_use`) while sessions run on it."""
    require(is_facilitator)
    source = checked_id(deck_id)
    target, _body = _request(RENAME_KEYS)

    def not_live() -> None:
        count = live().decks_in_use().get(source, 0)
        if count:
            raise DeckFileError("deck_in_use", f"the deck '{source}' is in use by {count} live "
                                               f"session{'s' if count != 1 else ''}, whose pictures are served "
                                               "under its id; end them first, then rename it")

    return _written(deck_files().rename(source, target, _if_match(), not_live), 200)
