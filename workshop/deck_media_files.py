"""A deck's pictures on disk for the pictures API: list, add or replace, delete; checked as `check-deck` checks them.

Pure file logic (no Flask). A deck's pictures sit in `<decks_dir>/<id>/` in both deck layouts (`media.py`); the
folder is made on the first upload. A picture is written only after the checks `check-deck` runs on a deck's
pictures (`media.reference_problem`: a plain file name of an image type; `media.content_problem`: the size limit,
the bytes are the kind the name says, an SVG holds no script and reaches nothing outside), and it is written
atomically (`deck_files.replace_atomically`). Writes and deletes take the deck files' lock (`DeckFiles.locked`),
so a delete's "does a slide still show it?" and its unlink are one step for every writer that uses this module.
Neither the deck's folder nor a picture may be a symbolic link: such a folder is refused, and such a file is
neither listed, replaced nor deleted.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .deck_files import DeckFileError, DeckFiles, fsync_directory, replace_atomically
from .decks import parse_yaml
from .media import content_problem, reference_problem
from .render import image_tokens

MAX_PICTURES = 100  # per deck: enough for any workshop, and a bound on what one deck's uploads can fill
PICTURE_MODE = 0o644
FOLDER_MODE = 0o755


class PictureError(DeckFileError):
    """A picture refused: `code` is invalid_name, invalid_picture, too_many or in_use (then `slides` says where)."""

    def __init__(self, code: str, message: str, slides: list[dict[str, object]] | None = None):
        super().__init__(code, message)
        self.slides = slides or []


@dataclass(frozen=True)
class PictureFile:
    """One picture in a deck's folder."""

    name: str
    size: int


def slides_showing(text: str, name: str) -> list[dict[str, object]] | None:
    """The slides (`{"index", "title"}`, 0-based) whose body shows picture `name`; None if the YAML cannot be read.

    Pictures are found with the renderer's own parser, as `decks.py` finds them, so what counts is what shows.
    """
    data, problems = parse_yaml(text, "deck.yaml")
    slides = data.get("slides") if isinstance(data, dict) else None
    if problems or not isinstance(slides, list):
        return None
    found: list[dict[str, object]] = []
    for index, slide in enumerate(slides):
        body = slide.get("body") if isinstance(slide, dict) else None
        if not isinstance(body, str) or name not in body:
            continue
        sources = {str(token.attrGet("src") or "") for _, token in image_tokens(body)}
        if name in sources:
            title = slide.get("title") if isinstance(slide, dict) else None
            found.append({"index": index, "title": title if isinstance(title, str) else ""})
    return found


class DeckPictures:
    """The pictures of the decks of one decks directory (through its `DeckFiles`: same checks, same lock)."""

    def __init__(self, files: DeckFiles):
        self.files = files

    def _folder(self, deck_id: str) -> Path:
        """The deck's pictures folder, for a deck that exists (not_found otherwise), never a symbolic link."""
        if self.files.path_of(deck_id) is None:  # also refuses a bad id and a symlinked deck
            raise DeckFileError("not_found", f"no deck called '{deck_id}'")
        folder = self.files.folder_of(deck_id)
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise DeckFileError("unsafe_path", f"the pictures folder '{deck_id}' is not a plain folder; its pictures "
                                               "are not edited through the API")
        return folder

    @staticmethod
    def _checked_name(name: str) -> str:
        problem = reference_problem(name)
        if problem is not None:
            raise PictureError("invalid_name", problem.replace("image ", "picture ", 1))
        return name

    @staticmethod
    def _entries(folder: Path) -> list[os.DirEntry[str]]:
        """The folder's picture files: plain files (not links) named as a slide may name them."""
        if not folder.is_dir():
            return []
        with os.scandir(folder) as entries:
            return sorted((entry for entry in entries if reference_problem(entry.name) is None
                           and entry.is_file(follow_symlinks=False)), key=lambda entry: entry.name)

    def list(self, deck_id: str) -> list[PictureFile]:
        """The deck's pictures, by name."""
        return [PictureFile(entry.name, entry.stat(follow_symlinks=False).st_size)
                for entry in self._entries(self._folder(deck_id))]

    def write(self, deck_id: str, name: str, data: bytes) -> bool:
        """Add or replace picture `name` after the checks of `check-deck`; returns whether it was new."""
        self._checked_name(name)
        problem = content_problem(name, data)
        if problem is not None:
            raise PictureError("invalid_picture", f"'{name}' {problem}")
        with self.files.locked():
            folder = self._folder(deck_id)
            if not folder.exists():
                try:
                    folder.mkdir(mode=FOLDER_MODE)
                except OSError as error:
                    raise DeckFileError("unavailable", f"the pictures folder cannot be made ({error.strerror})") \
                        from error
            target = folder / name
            try:
                info = os.stat(target, follow_symlinks=False)
            except FileNotFoundError:
                info = None
            if info is not None and not stat.S_ISREG(info.st_mode):
                raise DeckFileError("unsafe_path", f"'{name}' is not a plain file; it is not replaced")
            if info is None and len(self._entries(folder)) >= MAX_PICTURES:
                raise PictureError("too_many", f"a deck holds at most {MAX_PICTURES} pictures; delete one first")
            self.files.ensure_room(len(data))
            replace_atomically(target, data, PICTURE_MODE, what="the picture")
        return info is None

    def delete(self, deck_id: str, name: str) -> None:
        """Delete picture `name`, unless a slide of the deck (as saved) still shows it."""
        self._checked_name(name)
        with self.files.locked():
            folder = self._folder(deck_id)
            target = folder / name
            try:
                info = os.stat(target, follow_symlinks=False)
            except FileNotFoundError as error:
                raise DeckFileError("not_found", f"deck '{deck_id}' has no picture called '{name}'") from error
            if not stat.S_ISREG(info.st_mode):
                raise DeckFileError("unsafe_path", f"'{name}' is not a plain file; it is not deleted")
            deck = self.files.read(deck_id)
            text = deck.data.decode("utf-8", errors="replace") if deck is not None else ""
            showing = slides_showing(text, name)
            if showing is None and name in text:
                raise PictureError("in_use", f"the deck's file names '{name}' and cannot be read to tell where; "
                                             "fix the file first")
            if showing:
                raise PictureError("in_use", f"'{name}' is shown on {len(showing)} slide(s); take it off them "
                                             "and save the deck first", showing)
            try:
                os.unlink(target)
            except OSError as error:
                raise DeckFileError("unavailable", f"the picture could not be deleted ({error.strerror})") from error
            fsync_directory(folder)
