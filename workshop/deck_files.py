"""Deck files on disk for the deck API: safe ids and paths, versions (ETags), atomic writes under a lock.

Pure file logic (no Flask, no Redis). A deck `ID` is `<decks_dir>/ID.yaml` or `<decks_dir>/ID/deck.yaml`
(the single file wins when both exist, as in `decks.load_decks`); a new deck is written as `ID.yaml`, and its
pictures go in `ID/` in both layouts (`media.py`). Only ids of `[a-z0-9][a-z0-9-]{0,63}` are read or
written here, no symbolic link is followed (neither the deck file nor its folder), and every path is
checked to sit directly in the decks directory, so nothing outside it is read, replaced or deleted.

A write is atomic: the bytes go to a hidden temporary file in the same directory (`.ID.yaml.XXXX.tmp`, never
`*.yaml`, so `load_decks` cannot pick it up), are fsynced, get the old file's permission bits (0644 for a new
deck), and `os.replace` puts them in place; the directory is fsynced after. A crash at any point leaves either
the old file or the new one, never half of one; a leftover temporary file is ignored by everything.

The version check and the write are one step with respect to every other writer that uses this module:
- in one process, a `threading.Lock` (green under eventlet/gevent, whose monkey-patching replaces it);
- across processes (`serve --processes N`, or a script beside the server), an exclusive `fcntl.flock` on
  `<decks_dir>/.decks.lock`, taken by polling with a short sleep so a green thread never blocks its whole
  process. Every process then reads the current bytes, compares their hash with `If-Match` and renames its
  file in place while holding that lock, so two processes cannot both pass the check for the same version.
  (A lock on a network file system is only as good as its `flock`; NFS v4 implements it. A person editing the
  file by hand takes no lock: their save can land between our check and our rename, as with any editor.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .decks import FOLDER_DECK, MAX_DECK_BYTES, deck_text

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Words that name routes beside the decks under /api/decks/ (`POST /api/decks/validate`): never a deck's id, so a
# deck can never shadow a route nor a route a deck. tests/test_deck_library_api.py checks every such route is here.
RESERVED_IDS = frozenset({"validate"})
ID_RULE = "a deck id is 1 to 64 of a-z, 0-9 and '-', starting with a letter or digit"
LOCK_FILE = ".decks.lock"
LOCK_TIMEOUT_SECONDS = 10.0
NEW_FILE_MODE = 0o644
NEW_FOLDER_MODE = 0o755
# What a copy takes from a deck's folder at most (its pictures are at most 2 MB each, media.py).
MAX_COPIED_FILES = 1000
MAX_COPIED_BYTES = 256 * 1024 * 1024
# Free file entries (inodes) deck saves leave on the disk, with the bytes of WORKSHOP_DECKS_MIN_FREE_MB: Redis
# and the exports need a few new files now and then (an append-only file's rewrite, an export's temporary file).
MIN_FREE_FILES = 1000
VERSION_LENGTH = 8  # a deck version as people read it: the ETag's first hex digits ("3f2a91c0")


class DeckFileError(Exception):
    """A deck file operation refused: `code` is one of invalid_id, unsafe_path, not_found, precondition_required,
    conflict, exists, deck_in_use, too_large, unavailable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class DeckFile:
    """One version of a deck file."""

    id: str
    path: Path
    data: bytes
    etag: str  # the SHA-256 of the bytes in hex (a strong ETag, quoted by the HTTP layer)
    modified: str  # the file's modification time, ISO 8601 in UTC


def etag_of(data: bytes) -> str:
    """The version of a deck's bytes: their SHA-256 in hex."""
    return hashlib.sha256(data).hexdigest()


def id_problem(deck_id: str) -> str | None:
    """Why an id may not name a deck the API reads or writes, or None."""
    if ID_PATTERN.fullmatch(deck_id) is None:  # not `match`: its `$` also matches before a final newline
        return ID_RULE
    if deck_id in RESERVED_IDS:
        return f"'{deck_id}' is a reserved word (it names an API route); choose another deck id"
    return None
def short_version(etag: str) -> str:
    """A deck version as sessions keep it and people read it: the ETag's first `VERSION_LENGTH` hex digits."""
    return etag[:VERSION_LENGTH]


def valid_id(deck_id: str) -> bool:
    """Whether an id may name a deck the API reads or writes."""
    return id_problem(deck_id) is None


def iso_time(seconds: float) -> str:
    """A file time as ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


class DeckFiles:
    """The deck files of one decks directory."""

    def __init__(self, decks_dir: Path, min_free_bytes: int = 0, min_free_files: int = MIN_FREE_FILES):
        self.decks_dir = decks_dir
        self.min_free_bytes = min_free_bytes
        self.min_free_files = min_free_files
        self._lock = threading.Lock()

    def ensure_room(self, size: int, files: int = 1) -> None:
        """Refuse a write of `size` bytes in `files` new files that would leave less than `min_free_bytes`, or fewer
        than `min_free_files` file entries (inodes), free on the decks' disk: Redis and the exports need both."""
        if not self.min_free_bytes:
            return
        try:
            disk = os.statvfs(self._root())
        except OSError:
            return  # cannot tell: the write itself will say if the disk is full
        free = disk.f_bavail * disk.f_frsize
        if free - size < self.min_free_bytes:
            raise DeckFileError("insufficient_storage",
                                f"the server's disk has {free // (1024 * 1024)} MB free; saving this would leave less "
                                f"than the {self.min_free_bytes // (1024 * 1024)} MB kept for live sessions' data, "
                                "so nothing was saved (free some space on the server)")
        # Tiny decks take no bytes to speak of but an inode each: 273 filled a test volume with 598 MB free, and
        # Redis could no longer rewrite its append-only file. (f_files is 0 where inodes are not counted: btrfs.)
        if disk.f_files and disk.f_favail - files < self.min_free_files:
            raise DeckFileError("insufficient_storage",
                                f"the server's disk can hold only {disk.f_favail} more files; saving this would leave "
                                f"fewer than the {self.min_free_files} kept for live sessions' data, so nothing was "
                                "saved (delete decks or pictures you no longer need)")

    # Paths ----------------------------------------------------------------------------------------------

    def _root(self) -> Path:
        return self.decks_dir.resolve()

    def _check_id(self, deck_id: str) -> None:
        problem = id_problem(deck_id)
        if problem is not None:
            raise DeckFileError("invalid_id", problem)

    def _inside(self, path: Path) -> Path:
        """The path, after checking that it is the decks directory's own entry (or its folder's deck.yaml)."""
        root = self._root()
        parent = path.parent if path.name != FOLDER_DECK else path.parent.parent
        if parent != root:
            raise DeckFileError("unsafe_path", "a deck file must sit in the decks directory")
        for part in (path, path.parent) if path.name == FOLDER_DECK else (path,):
            if part.is_symlink():
                raise DeckFileError("unsafe_path", f"'{part.name}' is a symbolic link; such decks are not edited "
                                                   "through the API")
        return path

    def path_of(self, deck_id: str) -> Path | None:
        """The file that holds deck `deck_id` now, or None; DeckFileError for a bad id or a symlinked file."""
        self._check_id(deck_id)
        root = self._root()
        single = root / f"{deck_id}.yaml"
        if single.exists() or single.is_symlink():
            return self._inside(single)
        folder = root / deck_id / FOLDER_DECK
        if folder.parent.is_symlink() or folder.exists() or folder.is_symlink():
            return self._inside(folder)
        return None

    def folder_of(self, deck_id: str) -> Path:
        """The deck's pictures folder (which may not exist)."""
        self._check_id(deck_id)
        return self._root() / deck_id

    def modified(self, deck_id: str) -> str | None:
        """When a loaded deck's file last changed (any id `load_decks` gave, even one the API cannot edit)."""
        for path in (self.decks_dir / f"{deck_id}.yaml", self.decks_dir / deck_id / FOLDER_DECK):
            with contextlib.suppress(OSError):
                return iso_time(path.stat().st_mtime)
        return None

    # Reading --------------------------------------------------------------------------------------------

    def _existing(self, deck_id: str) -> tuple[Path, DeckFile]:
        """A deck's file and its current version, or `not_found` (call under the lock)."""
        path = self.path_of(deck_id)
        if path is None:
            raise DeckFileError("not_found", f"no deck called '{deck_id}'")
        return path, self._read(deck_id, path)

    def _read(self, deck_id: str, path: Path) -> DeckFile:
        try:
            # Non-blocking: a FIFO would wait for a writer (the fstat below refuses it).
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError as error:
            raise DeckFileError("not_found", f"no deck called '{deck_id}'") from error
        except OSError as error:
            raise DeckFileError("unavailable", f"the deck file cannot be read ({error.strerror})") from error
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise DeckFileError("unsafe_path", "the deck file is not a regular file")
            if info.st_size > MAX_DECK_BYTES:
                raise DeckFileError("too_large", f"the deck file is {info.st_size} bytes; a deck may be at most "
                                                 f"{MAX_DECK_BYTES}")
            data = file.read(MAX_DECK_BYTES + 1)
        return DeckFile(id=deck_id, path=path, data=data, etag=etag_of(data), modified=iso_time(info.st_mtime))

    def read(self, deck_id: str) -> DeckFile | None:
        """The deck's current file, or None if there is none."""
        path = self.path_of(deck_id)
        if path is None:
            return None
        try:
            return self._read(deck_id, path)
        except DeckFileError as error:
            if error.code == "not_found":  # removed between the look and the read
                return None
            raise

    def version_of(self, deck_id: str, source: str) -> str:
        """The short version of deck `deck_id` whose text is `source` (what a session copies): its file's ETag
        when the file still reads as `source`, else the hash of `source` itself (the file changed since it was
        loaded, or its id is not one the API reads)."""
        with contextlib.suppress(DeckFileError):
            current = self.read(deck_id) if valid_id(deck_id) else None
            if current is not None and deck_text(current.data, errors="replace") == source:
                return short_version(current.etag)
        return short_version(etag_of(source.encode("utf-8")))

    # Writing --------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this process's lock and the decks directory's lock file (see the module's docstring)."""
        with self._lock:
            try:
                fd = os.open(self._root() / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
                             | getattr(os, "O_CLOEXEC", 0), 0o600)
            except OSError as error:
                raise DeckFileError("unavailable", f"the decks directory cannot be written ({error.strerror})") \
                    from error
            try:
                deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise DeckFileError("unavailable", "another save of a deck is taking too long; "
                                                               "try again") from None
                        time.sleep(0.01)  # green under eventlet/gevent: the process keeps serving
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def check_version(self, deck_id: str, current: DeckFile | None, if_match: list[str] | None) -> None:
        """The compare of compare-and-rename: a replacement must name the version it replaces."""
        if current is None:
            if if_match is not None:
                raise DeckFileError("conflict", f"the deck '{deck_id}' was deleted since you loaded it")
            return
        if if_match is None:
            raise DeckFileError("precondition_required", "replacing a deck needs If-Match with the ETag of the "
                                                         "version you edited (from GET /api/decks/<id>)")
        if "*" not in if_match and current.etag not in if_match:
            raise DeckFileError("conflict", f"the deck '{deck_id}' was changed since you loaded it; reload it "
                                            "and apply your changes again")

    def write(self, deck_id: str, data: bytes, if_match: list[str] | None) -> tuple[DeckFile, bool]:
        """Create or replace a deck's file atomically; returns (the new version, whether it was created).

        `if_match`: None (no header: only a new deck may be written), or the ETags the client accepts (`*`: any
        existing version). The caller validates the bytes first: this module never looks inside them.
        """
        self._check_id(deck_id)
        if len(data) > MAX_DECK_BYTES:
            raise DeckFileError("too_large", f"a deck may be at most {MAX_DECK_BYTES} bytes")
        with self.locked():
            path = self.path_of(deck_id)
            current = self._read(deck_id, path) if path is not None else None
            self.check_version(deck_id, current, if_match)
            self.ensure_room(len(data))
            target = path if path is not None else self._inside(self._root() / f"{deck_id}.yaml")
            mode = NEW_FILE_MODE
            if path is not None:
                with contextlib.suppress(OSError):
                    # The old file's permission bits, but never executable, and always readable and writable by us.
                    mode = (stat.S_IMODE(os.stat(path, follow_symlinks=False).st_mode) & 0o666) | 0o600
            replace_atomically(target, data, mode)
            written = self._read(deck_id, target)
        return written, current is None

    def delete(self, deck_id: str, if_match: list[str] | None = None, keep_pictures: bool = False) -> DeckFile:
        """Delete a deck's YAML file and its pictures folder; returns the version deleted.

        `if_match` is optional here: given, the deck must still be that version (else `conflict`).
        `keep_pictures`: leave the folder, as live sessions of the deck still show its pictures from it.
        """
        with self.locked():
            path = self.path_of(deck_id)
            current = self._read(deck_id, path) if path is not None else None
            if current is None or path is None:
                raise DeckFileError("not_found", f"no deck called '{deck_id}'")
            if if_match is not None:
                self.check_version(deck_id, current, if_match)
            folder = path.parent if path.name == FOLDER_DECK else self.folder_of(deck_id)
            try:
                os.unlink(path)
            except FileNotFoundError as error:
                raise DeckFileError("not_found", f"no deck called '{deck_id}'") from error
            except OSError as error:
                raise DeckFileError("unavailable", f"the deck could not be deleted ({error.strerror})") from error
            fsync_directory(path.parent)
            if not keep_pictures:
                self._remove_folder(deck_id, folder)
        return current

    def _remove_folder(self, deck_id: str, folder: Path) -> None:
        """Remove a deleted deck's folder (never through a link): first renamed to a hidden name, which no listing
        shows, so a crash midway leaves no half folder under the deck's id; then its files."""
        if folder.is_symlink() or not folder.is_dir():
            return
        trash = self._root() / f".deleted-{deck_id}-{secrets.token_hex(4)}"
        try:
            os.rename(folder, trash)
        except OSError:
            return  # the deck is gone; its pictures stay, and a new deck of that id is told the folder exists
        fsync_directory(self._root())
        shutil.rmtree(trash, ignore_errors=True)

    # Copying and renaming -------------------------------------------------------------------------------

    def _free(self, deck_id: str) -> None:
        """Refuse with `exists` unless the decks directory has neither `ID.yaml` nor `ID` (file, folder or link)."""
        self._check_id(deck_id)
        root = self._root()
        if os.path.lexists(root / f"{deck_id}.yaml") or os.path.lexists(root / deck_id / FOLDER_DECK):
            raise DeckFileError("exists", f"a deck called '{deck_id}' already exists; choose another id")
        if os.path.lexists(root / deck_id):
            raise DeckFileError("exists", f"the decks directory already has a folder or file called '{deck_id}' "
                                          "(perhaps the pictures of a deleted deck); choose another id")

    def _pictures_folder(self, deck_id: str) -> Path | None:
        """The deck's pictures folder if it is a real folder (None when there is none); a symbolic link is refused."""
        folder = self.folder_of(deck_id)
        if folder.is_symlink():
            raise DeckFileError("unsafe_path", f"the folder '{deck_id}' is a symbolic link; such decks are not "
                                               "copied or renamed through the API")
        return folder if folder.is_dir() else None

    @staticmethod
    def _pictures(folder: Path) -> list[Path]:
        """The files a copy takes from a deck's folder: its plain, visible files (pictures are file names in it,
        media.py), not `deck.yaml` (the deck itself, written separately), not links or subfolders."""
        files: list[Path] = []
        total = 0
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name == FOLDER_DECK or not entry.is_file(follow_symlinks=False):
                    continue
                files.append(Path(entry.path))
                total += entry.stat(follow_symlinks=False).st_size
        if len(files) > MAX_COPIED_FILES or total > MAX_COPIED_BYTES:
            raise DeckFileError("too_large", f"the deck's folder holds {len(files)} files ({total} bytes); a copy "
                                             f"takes at most {MAX_COPIED_FILES} files and {MAX_COPIED_BYTES} bytes")
        return sorted(files)

    def copy(self, deck_id: str, new_id: str, prepare: Callable[[DeckFile], bytes]) -> DeckFile:
        """Copy a deck and its pictures to a new id, as `NEW.yaml` and `NEW/`; returns the new deck's version.

        `prepare` makes the copy's bytes from the source's current version (a new title, the validation; it may
        raise), under the lock, so one version is copied. Nothing of the copy is visible as a deck until it is
        whole: the pictures go to a hidden temporary folder that is renamed into place, then the YAML file (the
        deck appears) is written as every save is. An error removes what was made; a crash leaves at most the
        pictures folder without a deck, which loads as nothing.
        """
        self._check_id(new_id)
        with self.locked():
            current = self._existing(deck_id)[1]
            folder = self._pictures_folder(deck_id)
            self._free(new_id)
            data = prepare(current)
            if len(data) > MAX_DECK_BYTES:
                raise DeckFileError("too_large", f"a deck may be at most {MAX_DECK_BYTES} bytes")
            pictures = self._pictures(folder) if folder is not None else []
            self.ensure_room(len(data) + sum(picture.stat().st_size for picture in pictures), len(pictures) + 2)
            root = self._root()
            made: Path | None = None
            try:
                if pictures:
                    made = Path(tempfile.mkdtemp(prefix=f".{new_id}.", suffix=".tmp", dir=root))
                    for picture in pictures:
                        _copy_file(picture, made / picture.name)
                    os.chmod(made, NEW_FOLDER_MODE)
                    fsync_directory(made)
                    os.rename(made, root / new_id)
                    made = root / new_id
                replace_atomically(root / f"{new_id}.yaml", data, NEW_FILE_MODE)
            except BaseException as error:
                if made is not None:
                    shutil.rmtree(made, ignore_errors=True)
                if isinstance(error, OSError):
                    raise DeckFileError("unavailable", f"the deck could not be copied ({error.strerror})") from error
                raise
            return self._read(new_id, root / f"{new_id}.yaml")

    def rename(self, deck_id: str, new_id: str, if_match: list[str] | None = None,
               check: Callable[[], None] | None = None) -> DeckFile:
        """Give a deck a new id: its YAML file and its pictures folder move; returns the moved version.

        `if_match` is optional: given, the deck must still be that version (else `conflict`). `check` runs under
        the lock just before the move and may refuse it (a deck in use by live sessions). A folder deck
        (`ID/deck.yaml`) moves in one rename. A single file with pictures takes two, folder then file, a moment
        apart; if the second fails the first is undone.
        """
        self._check_id(new_id)
        with self.locked():
            path, current = self._existing(deck_id)
            if if_match is not None:
                self.check_version(deck_id, current, if_match)
            root = self._root()
            folder = root / deck_id if path.name == FOLDER_DECK else self._pictures_folder(deck_id)
            self._free(new_id)
            if check is not None:
                check()
            target = root / new_id / FOLDER_DECK if path.name == FOLDER_DECK else root / f"{new_id}.yaml"
            try:
                if folder is not None:
                    os.rename(folder, root / new_id)
                if path.name != FOLDER_DECK:
                    try:
                        os.rename(path, target)
                    except OSError:
                        if folder is not None:
                            with contextlib.suppress(OSError):
                                os.rename(root / new_id, folder)
                        raise
            except OSError as error:
                raise DeckFileError("unavailable", f"the deck could not be renamed ({error.strerror})") from error
            fsync_directory(root)
            return self._read(new_id, target)


def _copy_file(source: Path, target: Path) -> None:
    """Copy one regular file's bytes (never through a link, never over an existing file), fsynced, mode 0644."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            raise DeckFileError("unsafe_path", f"'{source.name}' in the deck's folder is not a regular file")
        with open(target, "xb") as writer:
            shutil.copyfileobj(reader, writer, 1024 * 1024)
            writer.flush()
            os.fchmod(writer.fileno(), NEW_FILE_MODE)
            os.fsync(writer.fileno())


def replace_atomically(target: Path, data: bytes, mode: int, what: str = "the deck") -> None:
    """Write to a hidden temporary file beside the target, fsync, chmod, rename over it, fsync the directory.

    The temporary name (`.NAME.XXXX.tmp`) is neither a deck nor a picture, so nothing lists or serves it.
    """
    directory = target.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise DeckFileError("unavailable", f"the decks directory cannot be written ({error.strerror})") from error
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise DeckFileError("unavailable", f"{what} could not be saved ({error.strerror})") from error
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in the directory durable (best effort where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
