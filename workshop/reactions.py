"""Reactions: the emoji a phone may send, a deck's set of them, and the per-phone rate limit. Pure logic.

A reaction is counted, never recorded: Redis holds counts per session, slide and emoji only (store.py).
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import deque

DEFAULT_REACTIONS: tuple[str, ...] = ("\U0001F44D", "\u2764\ufe0f", "\U0001F62E", "\U0001F602", "\U0001F64F")
MAX_REACTIONS = 8
MAX_EMOJI_CODE_POINTS = 16  # the longest family or profession ZWJ sequences stay well under this
# Per participant token, on the server process holding its connection: a burst of 5 taps, then one every
# 0.4 s on average. A phone's second tab or reload shares the budget; nothing of it reaches Redis.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 2.0

_ZWJ = "\u200d"
_VARIATION = ("\ufe0e", "\ufe0f")
_KEYCAP = "\u20e3"
_TAG_END = "\U000e007f"


def _regional(char: str) -> bool:
    return "\U0001F1E6" <= char <= "\U0001F1FF"


def _skin_tone(char: str) -> bool:
    return "\U0001F3FB" <= char <= "\U0001F3FF"


def _tag(char: str) -> bool:
    return "\U000e0020" <= char <= "\U000e007e"


def _pictographic(char: str) -> bool:
    """An emoji base: a symbol (So) outside the letter-like blocks, e.g. 👍 ❤ ☕ (not a skin tone or a tag)."""
    return unicodedata.category(char) == "So" and not _regional(char) and ord(char) >= 0x2000


def _element_end(text: str, start: int) -> int:
    """The end of one emoji element starting at `start` (a pictograph with its modifiers), or -1."""
    if start >= len(text) or not _pictographic(text[start]):
        return -1
    end = start + 1
    if end < len(text) and text[end] in _VARIATION:
        end += 1
    if end < len(text) and _skin_tone(text[end]):
        end += 1
    if end < len(text) and _tag(text[end]):  # a subdivision flag: tag letters, then the cancel tag
        while end < len(text) and _tag(text[end]):
            end += 1
        if end >= len(text) or text[end] != _TAG_END:
            return -1
        end += 1
    return end


def is_emoji(text: object) -> bool:
    """Whether `text` is exactly one emoji grapheme: a pictograph (with its variation selector, skin tone,
    tags), a ZWJ sequence of them, a flag (two regional indicators) or a keycap."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_EMOJI_CODE_POINTS:
        return False
    if len(text) == 2 and _regional(text[0]) and _regional(text[1]):
        return True
    if text[0] in "0123456789#*":
        return text[1:] in (_KEYCAP, "\ufe0f" + _KEYCAP)
    end = _element_end(text, 0)
    while end != -1 and end < len(text):
        if text[end] != _ZWJ:
            return False
        end = _element_end(text, end + 1)
    return end == len(text)


def set_problems(items: list[object]) -> list[tuple[int, str]]:
    """What is wrong with a deck's `reactions:` list, as (item index, message); empty when it is fine."""
    problems: list[tuple[int, str]] = []
    if not 1 <= len(items) <= MAX_REACTIONS:
        problems.append((-1, f"'reactions' must list 1 to {MAX_REACTIONS} emoji"))
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not is_emoji(item):
            problems.append((index, f"reaction {item!r} must be a single emoji"))
        elif str(item) in seen:
            problems.append((index, f"reaction {item} is listed twice"))
        else:
            seen.add(str(item))
    return problems


class ReactionLimiter:
    """At most `limit` reactions per key in any `window` seconds (a sliding window); keys idle for a whole
    window are dropped, so memory follows the phones reacting now."""

    def __init__(self, limit: int = RATE_LIMIT, window: float = RATE_WINDOW_SECONDS):
        self.limit = limit
        self.window = window
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one reaction for `key` if it is within the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if now >= self._next_prune:
                self._prune(now)
            recent = self._recent.setdefault(key, deque())
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            return True

    def _prune(self, now: float) -> None:
        self._next_prune = now + self.window
        for key in [key for key, recent in self._recent.items() if not recent or recent[-1] <= now - self.window]:
            del self._recent[key]

    def __len__(self) -> int:
        return len(self._recent)
