"""The pictures API for the deck editor: list, upload and delete a deck's pictures (facilitators only).

`GET /api/decks/<id>/media`, `PUT /api/decks/<id>/media/<name>` (the raw bytes), `DELETE` the same. The checks are
`check-deck`'s (`deck_media_files.py`), so a picture the API accepts is one a slide may show; the bodies are held
to `media.MAX_IMAGE_BYTES`, above the app's usual request limit, for these routes only.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask.sansio.blueprints import BlueprintSetupState

from .deck_files import DeckFiles
from .deck_media_files import DeckPictures, PictureError
from .media import MAX_IMAGE_BYTES, file_problem
from .web import ApiError, is_facilitator, live, require

bp = Blueprint("deck_media", __name__)

PICTURE_ERROR_STATUS = {"invalid_name": 400, "invalid_picture": 422, "too_many": 409, "in_use": 409}


@bp.record_once
def _per_app_state(state: BlueprintSetupState) -> None:
    """The app's deck pictures, on the deck files `web.py` made (one lock for decks and their pictures)."""
    files = cast(DeckFiles, state.app.extensions["workshop_deck_files"])
    state.app.extensions["workshop_deck_pictures"] = DeckPictures(files)


def pictures() -> DeckPictures:
    """The app's deck pictures."""
    return cast(DeckPictures, current_app.extensions["workshop_deck_pictures"])


@bp.app_errorhandler(PictureError)
def picture_error(error: PictureError) -> tuple[Response, int]:
    body: dict[str, object] = {"error": error.code, "message": error.message}
    if error.code == "in_use":
        body["slides"] = error.slides
    return jsonify(body), PICTURE_ERROR_STATUS.get(error.code, 400)


def _url(deck_id: str, name: str) -> str | None:
    """Where the picture is served now (with its hash), or None if it may not be shown."""
    return live().media.url_maker(deck_id)(name)


def _body() -> bytes:
    """The raw picture, refused with 413 past the picture limit (the app's own limit is far lower)."""
    request.max_content_length = MAX_IMAGE_BYTES
    too_large = ApiError(413, "too_large", f"a picture may be at most {MAX_IMAGE_BYTES} bytes")
    if (request.content_length or 0) > MAX_IMAGE_BYTES:
        raise too_large
    data = request.get_data(cache=False)
    if len(data) > MAX_IMAGE_BYTES:
        raise too_large
    return data


@bp.get("/api/decks/<deck_id>/media")
def list_pictures(deck_id: str) -> Response:
    """The deck's pictures: `[{"name", "bytes", "url"}]`; `url` is null for a file no slide may show (then
    `problem` says why)."""
    require(is_facilitator)
    listing: list[dict[str, object]] = []
    for picture in pictures().list(deck_id):
        item: dict[str, object] = {"name": picture.name, "bytes": picture.size, "url": _url(deck_id, picture.name)}
        if item["url"] is None:
            item["problem"] = f"'{picture.name}' {file_problem(pictures().files.folder_of(deck_id) / picture.name)}"
        listing.append(item)
    response = jsonify(listing)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put("/api/decks/<deck_id>/media/<name>")
def put_picture(deck_id: str, name: str) -> tuple[Response, int]:
    """Add (201) or replace (200) a picture from the request's raw bytes, checked as `check-deck` checks it."""
    require(is_facilitator)
    created = pictures().write(deck_id, name, _body())
    response = jsonify(name=name, url=_url(deck_id, name))
    response.headers["Cache-Control"] = "no-store"
    if created:
        response.headers["Location"] = url_for("web.deck_media", deck_id=deck_id, name=name)
    return response, 201 if created else 200


@bp.delete("/api/decks/<deck_id>/media/<name>")
def delete_picture(deck_id: str, name: str) -> tuple[str, int]:
    """Delete a picture; 409 `in_use` with `slides` while a slide of the saved deck still shows it."""
    require(is_facilitator)
    pictures().delete(deck_id, name)
    return "", 204
