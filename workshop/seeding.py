"""A decks directory's first start: the bundled decks are copied in once, while it holds none; never over edits.

Pure file logic (no Flask, no Redis), run by `workshop seed-decks`: the container image's entrypoint and the
systemd unit run it before every start, so a decks volume (`WORKSHOP_DECKS_DIR=/data/decks`, shared by every
replica) starts with the bundled decks and then belongs to the facilitators.

- A directory with a marker file (`.seeded`) is left alone: edits, renames and deletions stand, and deleting
  every deck does not bring the bundled ones back.
- A directory that already holds a deck (someone's own) is marked and left as it is.
- Otherwise every bundled deck file and deck folder (pictures) is copied in, then the marker is written.

Replicas that start together seed once: the copy runs under the deck files' lock (`DeckFiles.locked`, the lock
the deck API's saves take), and the check is made again under it. Copies are made in a hidden staging folder
inside the directory (never picked up as a deck) and moved into place with `os.link` for a file and `os.rename`
for a folder: neither replaces anything already there, so a facilitator's file is never overwritten, even by a
seeding that raced it. Hidden files, symbolic links and anything but `*.yaml` files and folders are not copied.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .deck_files import NEW_FILE_MODE, DeckFileError, DeckFiles, fsync_directory
from .decks import FOLDER_DECK

MARKER = ".seeded"
FOLDER_MODE = 0o755


class SeedError(Exception):
    """The decks directory cannot be seeded (not creatable, not writable); the message says which and why."""


@dataclass(frozen=True)
class Seeded:
    """What a seeding did: `seeded` (with the names copied), `already` (marked before), `has_decks` (someone's own
    decks were there: marked, nothing copied), `same` (the directory is the bundled one) or `no_source`."""

    status: str
    copied: tuple[str, ...] = ()


def holds_decks(directory: Path) -> bool:
    """Whether a directory holds a deck in either layout (`ID.yaml`, `ID/deck.yaml`), as `decks.load_decks` reads."""
    return any(path for path in directory.glob("*.yaml") if not path.name.startswith(".")) or \
        any(path for path in directory.glob(f"*/{FOLDER_DECK}") if not path.parent.name.startswith("."))


def _bundled(entry: Path) -> bool:
    """A source entry that is copied: a plain `*.yaml` file, or a folder (a deck's own, or its pictures)."""
    if entry.name.startswith(".") or entry.is_symlink():
        return False
    return (entry.is_file() and entry.suffix == ".yaml") or entry.is_dir()


def _copy_into(source: Path, destination: Path) -> None:
    """Copy a file, or a folder's files and folders (no hidden ones, no links), with plain permission bits."""
    if source.is_dir():
        destination.mkdir(mode=FOLDER_MODE)
        for child in sorted(source.iterdir()):
            if child.name.startswith(".") or child.is_symlink() or not (child.is_dir() or child.is_file()):
                continue
            _copy_into(child, destination / child.name)
        destination.chmod(FOLDER_MODE)
        return
    shutil.copyfile(source, destination, follow_symlinks=False)
    destination.chmod(NEW_FILE_MODE)
    with open(destination, "rb") as copied:
        os.fsync(copied.fileno())


def _place(staged: Path, target: Path) -> bool:
    """Move a staged copy into place unless something is there already; whether it was placed."""
    try:
        if staged.is_dir():
            if target.exists() or target.is_symlink():
                return False
            os.rename(staged, target)  # fails on a non-empty folder that appeared meanwhile: nothing replaced
        else:
            os.link(staged, target)  # fails if the name exists: a file is never replaced
    except OSError:
        return False
    return True


def _mark(target: Path, note: str) -> None:
    """Write the marker that says this directory had its first start."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    # A new file only, never through a link (one planted meanwhile makes this fail, as nothing else may be made).
    fd = os.open(target / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as marker:
        marker.write(f"{stamp} {note}\nworkshop seed-decks leaves a directory with this file alone.\n")


def seed_decks(source: Path, target: Path) -> Seeded:
    """Copy the decks of `source` into `target` if `target` never held any (see the module's docstring)."""
    if not source.is_dir():
        return Seeded("no_source")
    if target.exists() and target.resolve() == source.resolve():
        return Seeded("same")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SeedError(f"cannot create the decks directory {target}: {error.strerror}") from error
    if not stat.S_ISDIR(os.stat(target).st_mode):
        raise SeedError(f"{target} is not a directory")
    if os.path.lexists(target / MARKER):  # a link too: it is never written through
        return Seeded("already")
    if not os.access(target, os.W_OK | os.X_OK):
        if holds_decks(target):  # a read-only directory of one's own decks is fine as it is
            return Seeded("has_decks")
        raise SeedError(f"the decks directory {target} cannot be written by this user (uid {os.getuid()}): "
                        "make it theirs (chown), or mount a volume they can write")
    # Whether it holds decks is checked under the lock only: a replica seeding meanwhile has placed some of the
    # bundled decks but not yet its marker.
    try:
        with DeckFiles(target).locked():
            return _seed_locked(source, target)
    except DeckFileError as error:
        raise SeedError(f"{target}: {error.message}") from error
    except OSError as error:
        raise SeedError(f"cannot copy the decks into {target}: {error.strerror or error}") from error


def _seed_locked(source: Path, target: Path) -> Seeded:
    """The copy, under the decks directory's lock, after checking again that it is still needed."""
    if os.path.lexists(target / MARKER):  # a link too: it is never written through
        return Seeded("already")
    if holds_decks(target):
        _mark(target, "held decks already: nothing copied")
        return Seeded("has_decks")
    copied: list[str] = []
    staging = Path(tempfile.mkdtemp(prefix=".seeding-", dir=target))
    try:
        for entry in sorted(source.iterdir()):
            if not _bundled(entry):
                continue
            staged = staging / entry.name
            _copy_into(entry, staged)
            if _place(staged, target / entry.name):
                copied.append(entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _mark(target, f"seeded from {source}: {', '.join(copied) or 'nothing'}")
    fsync_directory(target)
    return Seeded("seeded", tuple(copied))
