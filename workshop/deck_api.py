"""The deck API for the editor and for scripts: read, save, delete and validate decks; the poll-type registry.

Facilitators only (token or browser login). Every save is validated by `decks.parse_deck`, the code
`check-deck` runs, and written by `deck_files.DeckFiles` (atomic, version-checked under a lock); a deck that
would not load is never written. A live session keeps its own copy of its deck's YAML (in Redis), so saving or
deleting a deck never changes a running workshop.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request, url_for

from .deck_edit import line_paths, problem_items, update_deck_yaml
from .deck_files import DeckFile, DeckFileError, id_problem
from .decks import (
    MAX_DECK_BODY_BYTES,
    MAX_DECK_BYTES,
    TOO_MANY_VALUES,
    DeckError,
    holds_too_many_values,
    parse_deck,
    parse_yaml,
)
from .i18n import gettext
from .polls import POLL_TYPES
from .web import ApiError, deck_files, is_facilitator, live, require

bp = Blueprint("decks", __name__)

FILE_ERROR_STATUS = {"invalid_id": 400, "unsafe_path": 403, "not_found": 404, "precondition_required": 412,
                     "conflict": 409, "exists": 409, "deck_in_use": 409, "too_large": 413, "unavailable": 503,
                     "insufficient_storage": 507}
YAML_TYPE = "application/yaml; charset=utf-8"
# The keys every poll has, whatever its type (decks.py `_poll`).
COMMON_POLL_KEYS = ("id", "type", "question", "results_visible")


@bp.app_errorhandler(DeckFileError)
def deck_file_error(error: DeckFileError) -> tuple[Response, int]:
    code = "invalid_deck_id" if error.code == "invalid_id" else error.code
    return jsonify(error=code, message=error.message), FILE_ERROR_STATUS.get(error.code, 503)


class InvalidDeck(Exception):
    """A deck `parse_deck` refused: answered 422 with its problems."""

    def __init__(self, problems: list[dict[str, object]]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@bp.app_errorhandler(InvalidDeck)
def invalid_deck(error: InvalidDeck) -> tuple[Response, int]:
    count = len(error.problems)
    return jsonify(ok=False, error="invalid_deck", problems=error.problems,
                   message=f"the deck has {count} problem{'s' if count != 1 else ''}; nothing was saved"), 422


def checked_id(deck_id: str) -> str:
    """The deck id of a request, or 400 `invalid_deck_id` saying what is wrong with it (rule, or reserved)."""
    problem = id_problem(deck_id)
    if problem is not None:
        raise ApiError(400, "invalid_deck_id", problem)
    return deck_id


def _if_match() -> list[str] | None:
    """The ETags of `If-Match` (strong ones; `*` as itself), or None when the header is absent."""
    if "If-Match" not in request.headers:
        return None
    tags = request.if_match
    return ["*"] if tags.star_tag else sorted(tags.as_set())


def _body() -> bytes:
    """The request body, refused with 413 past the deck API's limit (the app's own is far lower)."""
    request.max_content_length = MAX_DECK_BODY_BYTES
    if request.mimetype != "application/json" and (request.content_length or 0) > MAX_DECK_BYTES:
        raise ApiError(413, "too_large", f"a deck may be at most {MAX_DECK_BYTES} bytes")
    data = request.get_data(cache=True)
    limit = MAX_DECK_BODY_BYTES if request.mimetype == "application/json" else MAX_DECK_BYTES
    if len(data) > limit:
        raise ApiError(413, "too_large", f"a deck may be at most {MAX_DECK_BYTES} bytes")
    return data


def _json_deck() -> dict[str, object]:
    try:
        value = json.loads(_body())
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "invalid_payload", "the body is not valid JSON") from error
    except RecursionError as error:
        raise ApiError(400, "invalid_payload", "the body is nested too deeply to be a deck") from error
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_payload", 'send a deck as a JSON object: {"title": ..., "slides": [...]}')
    if holds_too_many_values(value):  # refused before the merge: writing it out as YAML would take seconds
        raise InvalidDeck([{"line": 1, "message": TOO_MANY_VALUES}])
    return value


def _text(data: bytes, deck_id: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidDeck([{"line": 1, "message": f"the file is not UTF-8 text ({error.reason})"}]) from error


def _validated(text: str, deck_id: str, *, with_paths: bool, check_pictures: bool = True) -> None:
    """Raise InvalidDeck unless `parse_deck` (as `check-deck`) accepts the text."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DECK_BYTES:  # half a character (JSON): parse_deck names it
        raise ApiError(413, "too_large", f"a deck may be at most {MAX_DECK_BYTES} bytes")
    folder = deck_files().folder_of(deck_id) if check_pictures else None
    try:
        parse_deck(text, deck_id, f"{deck_id}.yaml", folder)
    except DeckError as error:
        raise InvalidDeck(problem_items(error.problems, line_paths(text) if with_paths else None)) from error


def _merged(deck_id: str, current: DeckFile | None) -> str:
    """The editor's JSON deck merged into the deck's current YAML (comments and order kept), as text."""
    data = _json_deck()
    base = current.data.decode("utf-8", errors="replace") if current is not None else ""
    try:
        return update_deck_yaml(base, data)
    except RecursionError as error:  # JSON json.loads took, nested too deeply to write out as YAML
        raise ApiError(400, "invalid_payload", "the body is nested too deeply to be a deck") from error


def _yaml_response(file: DeckFile) -> Response:
    response = Response(file.data, content_type=YAML_TYPE)
    response.set_etag(file.etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _wants_json() -> bool:
    """`?format=json`, or an Accept that prefers JSON to YAML (a browser's `*/*` gets the YAML)."""
    if request.args.get("download"):
        return False
    if request.args.get("format") == "json":
        return True
    return request.accept_mimetypes.best_match(["application/yaml", "application/json"]) == "application/json"


def _json_response(file: DeckFile) -> Response:
    """The deck's data as JSON (the editor's model; no YAML parser in the browser), with the file's ETag.

    Read as `check-deck` reads it (aliases and tags refused); a file that is not such YAML is 422 with its problems.
    Scale label keys come out as strings (`"1"`), as JSON has them; a JSON save takes them back.
    """
    text = _text(file.data, file.id)
    data, problems = parse_yaml(text, f"{file.id}.yaml")
    if not problems and not isinstance(data, dict):
        problems = [f"{file.id}.yaml:1: a deck must be a mapping with 'title' and 'slides'"]
    if problems:
        raise InvalidDeck(problem_items(problems, line_paths(text)))
    response = Response(json.dumps(data, ensure_ascii=False, default=str), mimetype="application/json")
    response.set_etag(file.etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/api/decks/<path:deck_id>", merge_slashes=False)
def get_deck(deck_id: str) -> Response:
    """The deck's YAML as it is on disk, with its version as a strong ETag; `?download=1` as a file; as JSON with
    `Accept: application/json` or `?format=json` (same data, same ETag)."""
    require(is_facilitator)
    file = deck_files().read(checked_id(deck_id))
    if file is None:
        raise ApiError(404, "not_found", f"no deck called '{deck_id}'")
    response = _json_response(file) if _wants_json() else _yaml_response(file)
    response.vary.add("Accept")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{file.id}.yaml"'
    response.make_conditional(request)
    return response


@bp.put("/api/decks/<path:deck_id>", merge_slashes=False)
def put_deck(deck_id: str) -> tuple[Response, int]:
    """Create (201) or replace (200, needs If-Match) a deck from YAML, or from the editor's JSON merged into it."""
    require(is_facilitator)
    checked_id(deck_id)
    if_match = _if_match()
    files = deck_files()
    if request.mimetype == "application/json":
        current = files.read(deck_id)
        if current is not None:
            files.check_version(deck_id, current, if_match)
            if_match = [current.etag]  # the version merged into is the version replaced, or 409
        text = _merged(deck_id, current)
        _validated(text, deck_id, with_paths=True)
    else:
        text = _text(_body(), deck_id)
        _validated(text, deck_id, with_paths=False)
    written, created = files.write(deck_id, text.encode("utf-8"), if_match)
    response = jsonify(id=written.id, etag=written.etag, modified=written.modified)
    response.set_etag(written.etag)
    response.headers["Cache-Control"] = "no-store"
    if created:
        response.headers["Location"] = url_for("decks.get_deck", deck_id=written.id)
    return response, 201 if created else 200


@bp.delete("/api/decks/<path:deck_id>", merge_slashes=False)
def delete_deck(deck_id: str) -> tuple[str, int]:
    """Delete a deck and its pictures. Allowed while live sessions use it: each has its own copy of the slides,
    but their pictures are served from the deck's folder, so the folder then stays.

    `If-Match` is optional; given, the deck must still be that version (409 otherwise).
    """
    require(is_facilitator)
    deck_id = checked_id(deck_id)
    shown = live().decks_in_use(practice=True).get(deck_id, 0) > 0
    deck_files().delete(deck_id, _if_match(), keep_pictures=shown)
    return "", 204


@bp.post("/api/decks/validate")
def validate_deck() -> tuple[Response, int]:
    """Check a deck (YAML, or the editor's JSON) exactly as a save would, without saving: 200 or 422 with problems.

    `?deck=ID`: check its pictures against that deck's folder, and merge JSON into that deck's current YAML (so
    lines are those of the file a save would write); without it pictures are checked only for alt text and names.
    """
    require(is_facilitator)
    deck_id = request.args.get("deck")
    if deck_id is not None:
        checked_id(deck_id)
    if request.mimetype == "application/json":
        current = deck_files().read(deck_id) if deck_id is not None else None
        text = _merged(deck_id or "deck", current)
    else:
        text = _text(_body(), deck_id or "deck")
    _validated(text, deck_id or "deck", with_paths=True, check_pictures=deck_id is not None)
    return jsonify(ok=True), 200


@bp.get("/api/poll-types")
def poll_types() -> Response:
    """The poll types this server knows (`polls.POLL_TYPES`), so the editor offers every one and only those."""
    require(is_facilitator)
    return jsonify([{"type": kind.type, "label": gettext(kind.label), "deck_keys": sorted(kind.deck_keys),
                     "common_keys": list(COMMON_POLL_KEYS), "views": list(kind.views), "moderated": kind.moderated}
                    for kind in POLL_TYPES.values()])
