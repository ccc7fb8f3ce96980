"""Countdown timers for pair exercises: durations as decks write them, and what a screen is told."""

from __future__ import annotations

import re

from .payloads import TimerPayload

MIN_TIMER_SECONDS = 5
MAX_TIMER_SECONDS = 60 * 60
# A finished timer still reads "Time's up" for screens that (re)connect this long after it ended.
SHOWN_AFTER_END_MS = 60_000
_DURATION = re.compile(r"^(?:(?P<minutes>\d{1,3})m)?\s*(?:(?P<seconds>\d{1,4})s)?$")


class DurationError(ValueError):
    """A duration a deck or the console cannot use; the message says what would work."""


def parse_duration(value: object) -> int:
    """Seconds from a deck's `timer:` value: "5m", "90s" or "1m30s"."""
    if not isinstance(value, str) or not value.strip():
        raise DurationError("timer must be a duration such as 5m, 90s or 1m30s")
    match = _DURATION.match(value.strip().lower())
    if match is None or not (match["minutes"] or match["seconds"]):
        raise DurationError(f"timer '{value}' is not a duration such as 5m, 90s or 1m30s")
    return checked_seconds(int(match["minutes"] or 0) * 60 + int(match["seconds"] or 0))


def checked_seconds(seconds: object) -> int:
    """A timer length in whole seconds within the limits, or DurationError."""
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise DurationError("seconds must be a whole number")
    if not MIN_TIMER_SECONDS <= seconds <= MAX_TIMER_SECONDS:
        raise DurationError(f"a timer runs from {MIN_TIMER_SECONDS} seconds to {MAX_TIMER_SECONDS // 60} minutes")
    return seconds


def timer_state(ends_ms: int | None, seconds: int, now_ms: int) -> TimerPayload:
    """What screens are told about the timer: remaining time rather than a clock time, as phones' clocks differ."""
    if ends_ms is None or seconds <= 0 or now_ms - ends_ms > SHOWN_AFTER_END_MS:
        return {"running": False, "seconds": 0, "remaining_ms": 0}
    return {"running": True, "seconds": seconds, "remaining_ms": max(0, ends_ms - now_ms)}
