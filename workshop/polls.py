"""Poll types: one entry per type validates its deck definition and answers and shapes its results.

To add a poll type, write a `PollType` subclass and register it in `POLL_TYPES`; nothing else in the
server knows the types by name except the browser renderers in `static/js/charts.js`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decks import Poll

Report = Callable[[str, str], None]
MAX_OPTIONS = 12
MAX_TEXT_LENGTH = 280
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


class AnswerError(ValueError):
    """An answer that does not fit its poll."""


@dataclass(frozen=True)
class Answer:
    """A validated answer: `stored` goes back to the phone, `members` are the counters it adds to."""

    stored: str
    members: tuple[str, ...]

    @property
    def value(self) -> Any:
        """The answer as the phone sent it (after normalising)."""
        return json.loads(self.stored)


def normalise_text(value: str) -> str:
    """Trim and normalise a free-text answer so that equal words count together."""
    text = unicodedata.normalize("NFKC", value)
    # Whitespace first (tabs and newlines become spaces), then the invisible and control characters.
    text = _CONTROL.sub("", _SPACES.sub(" ", text))
    text = _SPACES.sub(" ", text).strip().strip(".,;:!?…").strip()
    return text.casefold()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class PollType:
    """The behaviour one poll type adds to the common fields."""

    name = ""
    deck_keys: frozenset[str] = frozenset()

    def parse_definition(self, raw: Mapping[str, Any], report: Report) -> dict[str, Any]:
        """Validate the type's own deck keys and return the matching `Poll` fields."""
        return {}

    def public(self, poll: Poll) -> dict[str, Any]:
        """The type's fields in a `poll` payload."""
        return {}

    def answer(self, poll: Poll, value: Any) -> Answer:
        """Validate a submitted value; raise AnswerError if it does not fit."""
        raise NotImplementedError

    def results(self, poll: Poll, counts: Mapping[str, int], total: int) -> dict[str, Any]:
        """The type's fields in a `results_updated` payload."""
        raise NotImplementedError


class _ChoicePoll(PollType):
    """Shared by single and multiple choice."""

    deck_keys = frozenset({"options"})

    def parse_definition(self, raw: Mapping[str, Any], report: Report) -> dict[str, Any]:
        options = raw.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            report("options", f"'options' must be a list of 2 to {MAX_OPTIONS} choices")
            return {}
        cleaned: list[str] = []
        for option in options:
            if not isinstance(option, str | int | float) or isinstance(option, bool) or not str(option).strip():
                report("options", "every option must be non-empty text")
                continue
            text = str(option).strip()
            if len(text) > 80:
                report("options", f"option '{text[:20]}...' is longer than 80 characters")
            if text in cleaned:
                report("options", f"option '{text}' appears twice")
            cleaned.append(text)
        return {"options": tuple(cleaned)}

    def public(self, poll: Poll) -> dict[str, Any]:
        return {"options": list(poll.options)}

    def results(self, poll: Poll, counts: Mapping[str, int], total: int) -> dict[str, Any]:
        return {"counts": [int(counts.get(str(index), 0)) for index in range(len(poll.options))]}

    def _index(self, poll: Poll, value: Any) -> int:
        if not _is_int(value) or not 0 <= value < len(poll.options):
            raise AnswerError(f"an option index from 0 to {len(poll.options) - 1}")
        return value


class SinglePoll(_ChoicePoll):
    """One option out of several."""

    name = "single"

    def answer(self, poll: Poll, value: Any) -> Answer:
        index = self._index(poll, value)
        return Answer(stored=json.dumps(index), members=(str(index),))


class MultiplePoll(_ChoicePoll):
    """Any number of options, at least one."""

    name = "multiple"

    def answer(self, poll: Poll, value: Any) -> Answer:
        if not isinstance(value, list) or not value:
            raise AnswerError("a non-empty list of option indexes")
        indexes = sorted({self._index(poll, item) for item in value})
        return Answer(stored=json.dumps(indexes), members=tuple(str(index) for index in indexes))


class ScalePoll(PollType):
    """A whole number on a labelled scale."""

    name = "scale"
    deck_keys = frozenset({"scale"})

    def parse_definition(self, raw: Mapping[str, Any], report: Report) -> dict[str, Any]:
        scale = raw.get("scale", {"min": 1, "max": 5})
        if not isinstance(scale, dict):
            report("scale", "'scale' must be a mapping like {min: 1, max: 5, labels: {1: Never, 5: Always}}")
            return {}
        low, high = scale.get("min", 1), scale.get("max", 5)
        if not (_is_int(low) and _is_int(high)) or not 0 <= low < high <= low + 10:
            report("scale", "scale 'min' and 'max' must be whole numbers, min >= 0, with 2 to 11 steps")
            return {}
        unknown = set(scale) - {"min", "max", "labels"}
        if unknown:
            report("scale", f"unknown scale key '{sorted(unknown)[0]}' (known: labels, max, min)")
        labels = scale.get("labels", {})
        cleaned: dict[int, str] = {}
        if not isinstance(labels, dict):
            report("scale", "scale 'labels' must map numbers to text")
            labels = {}
        for key, label in labels.items():
            if not _is_int(key) or not low <= key <= high:
                report("scale", f"scale label key {key!r} is not a whole number from {low} to {high}")
            elif not isinstance(label, str) or not label.strip() or len(label) > 40:
                report("scale", f"scale label for {key} must be text of at most 40 characters")
            else:
                cleaned[key] = label.strip()
        return {"scale_min": low, "scale_max": high, "scale_labels": cleaned}

    def public(self, poll: Poll) -> dict[str, Any]:
        labels = {str(key): label for key, label in sorted(poll.scale_labels.items())}
        return {"scale": {"min": poll.scale_min, "max": poll.scale_max, "labels": labels}}

    def answer(self, poll: Poll, value: Any) -> Answer:
        if not _is_int(value) or not poll.scale_min <= value <= poll.scale_max:
            raise AnswerError(f"a whole number from {poll.scale_min} to {poll.scale_max}")
        return Answer(stored=json.dumps(value), members=(str(value),))

    def results(self, poll: Poll, counts: Mapping[str, int], total: int) -> dict[str, Any]:
        steps = range(poll.scale_min, poll.scale_max + 1)
        values = [int(counts.get(str(step), 0)) for step in steps]
        answered = sum(values)
        mean = sum(step * count for step, count in zip(steps, values, strict=True)) / answered if answered else None
        return {"counts": values, "mean": round(mean, 2) if mean is not None else None}


class TextPoll(PollType):
    """A short free-text answer, counted by its normalised form."""

    name = "text"
    deck_keys = frozenset({"max_length"})

    def parse_definition(self, raw: Mapping[str, Any], report: Report) -> dict[str, Any]:
        limit = raw.get("max_length", 80)
        if not _is_int(limit) or not 1 <= limit <= MAX_TEXT_LENGTH:
            report("max_length", f"'max_length' must be a whole number from 1 to {MAX_TEXT_LENGTH}")
            return {}
        return {"max_length": limit}

    def public(self, poll: Poll) -> dict[str, Any]:
        return {"max_length": poll.max_length}

    def answer(self, poll: Poll, value: Any) -> Answer:
        if not isinstance(value, str):
            raise AnswerError("text")
        text = normalise_text(value)
        if not text:
            raise AnswerError("some text")
        if len(text) > poll.max_length:
            raise AnswerError(f"at most {poll.max_length} characters")
        return Answer(stored=json.dumps(text), members=(text,))

    def results(self, poll: Poll, counts: Mapping[str, int], total: int) -> dict[str, Any]:
        # Sorted by text, not by arrival, so the order tells nothing about who wrote what.
        answers = [{"text": text, "count": int(count)} for text, count in sorted(counts.items()) if int(count) > 0]
        return {"answers": answers}


POLL_TYPES: dict[str, PollType] = {kind.name: kind for kind in (SinglePoll(), MultiplePoll(), ScalePoll(), TextPoll())}


def poll_type(poll: Poll) -> PollType:
    """The type entry for a poll."""
    return POLL_TYPES[poll.type]
