"""Poll types: one class per type holds its deck keys, answer validation, results, export rows and report data.

To add a poll type, write one `Poll` subclass here, decorate it with `@register`, and add one browser module
in `static/js/polls/`. Nothing else in the server names a poll type.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, NotRequired, Self, TypedDict, TypeVar

Report = Callable[[str, str], None]
MAX_OPTIONS = 12
MAX_TEXT_LENGTH = 280
# Free text is kept as its writer spelled it (NFC), minus what is hostile or useless:
# - control characters (Cc; tabs and line breaks become spaces first);
# - every format character (Cf) except the joiners and emoji flag tags below: the bidi embeddings, overrides and
#   isolates (U+202A-202E, U+2066-2069), so that one answer cannot reorder the text around it; the bidi marks
#   (U+200E, U+200F, U+061C), since screens give each answer `dir="auto"` and its own letters set its direction;
#   and the invisible ones that draw nothing: zero width space U+200B (browsers break Thai and Khmer lines
#   without it), word joiner U+2060 and U+FEFF (they only stop line breaks), soft hyphen U+00AD (seen only at a
#   break a short answer never has). All of them would let "idi<ZWSP>ot" look like one answer and count as another;
# - the Hangul fillers and other letters that draw nothing (U+3164 etc.), which would pass as a "visible" answer.
# Kept: ZWNJ and ZWJ (Persian, Indic and Arabic shaping; emoji sequences such as runner + ZWJ + female sign),
# the Mongolian vowel separator (it changes the next vowel's shape), variation selectors (U+FE00-FE0F,
# U+E0100-E01EF) and skin-tone modifiers (not Cf), and tag characters only inside an emoji flag
# (black flag, tags, cancel tag): alone they are invisible ASCII, a known way to smuggle hidden text.
_SPACES = re.compile(r"\s+")
_KEPT_FORMAT = frozenset("\u200c\u200d\u180e")
# U+2800, the blank braille pattern, draws nothing either ("idiot\u2800" would pass as a new answer).
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
# Private-use characters (Co) mean nothing without a font that some one phone has: dropped too.
_DROPPED_CATEGORIES = ("Cc", "Cf", "Co")
_FLAG_TAGS = re.compile("(\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F)")
# The grouping key leaves out what only changes the drawing, not the word: joiners (so "idi<ZWJ>ot" is moderated
# as "idiot", and Persian written with or without its ZWNJ counts once) and variation selectors ("❤" and "❤️").
_KEY_IGNORED = re.compile("[\u200c\u200d\u180b-\u180f\ufe00-\ufe0f\U000E0100-\U000E01EF]")
_EDGE_PUNCTUATION = " .,;:!?¡¿\u061f\u060c\u061b\u06d4\u3001\u3002"
# A text poll's counter member: "KEY<US>SPELLING", or just KEY when the spelling is the key itself. U+001F is a
# control character, so cleaning keeps it out of both halves.
MEMBER_SEPARATOR = "\x1f"

# What a poll type adds to a `poll` payload or to `results_updated`: plain JSON values.
TypeFields = dict[str, object]


class AnswerError(ValueError):
    """An answer that does not fit its poll."""


class DefinitionError(ValueError):
    """A poll definition the type cannot use; its problems were already reported."""


@dataclass(frozen=True)
class Answer:
    """A validated answer: `stored` goes back to the phone, `members` are the counters it adds to."""

    stored: str
    members: tuple[str, ...]

    @property
    def value(self) -> object:
        """The answer as the phone sent it (after normalising)."""
        return json.loads(self.stored)


@dataclass(frozen=True)
class PollTally:
    """A poll's stored counts: counter member -> count, how many answered, and the members hidden by moderation."""

    counts: dict[str, int]
    total: int
    hidden: frozenset[str] = frozenset()

    @property
    def shown(self) -> dict[str, int]:
        """The counts without the answers the facilitator hid: what screens and exports may show."""
        return {key: count for key, count in self.counts.items() if member_group(key) not in self.hidden}


def N_(text: str) -> str:  # gettext's own name for it
    """Mark a text for the catalogue without translating it here (pure code): the page that shows it does."""
    return text


class Common(TypedDict):
    """The deck fields every poll has."""

    id: str
    question: str
    results_visible: bool


class ReportRow(TypedDict):
    """One line of a poll in the printable report."""

    label: str
    count: int
    percent: int
    share: float  # relative to the largest, 0..1: bar width or word size
    figure: str  # what the row's number column shows, e.g. "3 (38%)" or "mean rank 1.5"
    mean_rank: NotRequired[float | None]  # ranking rows: the figure's number (None: not ranked)


class ReportView(TypedDict):
    """How the printable report draws one poll's results."""

    layout: Literal["bars", "words"]
    note: str  # e.g. "mean 3.5"; empty when there is nothing to add
    rows: list[ReportRow]
    mean: NotRequired[float]  # a scale's mean, the note's number (the report writes the note in its language)


def _drop_format(text: str) -> str:
    kept = (char for char in text
            if not ((unicodedata.category(char) in _DROPPED_CATEGORIES and char not in _KEPT_FORMAT)
                    or char in _BLANK_LETTERS))
    return "".join(kept)


def clean_text(value: str) -> str:
    """A free-text answer as stored and shown: its own spelling in NFC, without hostile or invisible characters."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", value))
    # Odd pieces are whole emoji flags, the only place their tag characters survive.
    pieces = _FLAG_TAGS.split(text)
    text = "".join(piece if index % 2 else _drop_format(piece) for index, piece in enumerate(pieces))
    return _SPACES.sub(" ", text).strip()


def text_key(text: str) -> str:
    """The key a cleaned answer is counted and moderated by: answers that read the same share it."""
    # NFKC (not only NFC) here, and only here: full-width letters, ligatures and Arabic presentation forms read
    # as the plain letters, so they group with them (at the price of "x²" with "x2"); the shown text keeps the
    # writer's own characters. Case-folded ("Straße", "STRASSE", "strasse"), edge punctuation dropped ("Trust!").
    key = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _SPACES.sub(" ", _KEY_IGNORED.sub("", key)).strip(_EDGE_PUNCTUATION)


def text_member(text: str) -> str:
    """The counter member of a cleaned answer: its key and, if it differs, its spelling."""
    key = text_key(text)
    return key if key == text else f"{key}{MEMBER_SEPARATOR}{text}"


def member_group(member: str) -> str:
    """What moderation hides a counter member by: a text's key; any other member is its own group."""
    return member.split(MEMBER_SEPARATOR, 1)[0]


def _visible(text: str) -> bool:
    """Whether a text has at least one letter, number or symbol (not only punctuation, marks or spaces)."""
    return any(unicodedata.category(char)[0] in "LNS" for char in text)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ints(values: object) -> list[int]:
    return [int(value) for value in values] if isinstance(values, list) else []


def percentages(counts: Sequence[int], total: int, whole: bool) -> list[int]:
    """Whole percentages of `total`, the one rounding rule of every screen, the report and the CSV.

    Half up, as people round (Python's round() would print 1 of 8 as 12 %). When the counts split the
    total between them (`whole`: one choice each), the largest remainders get the leftover points instead,
    so the percentages add up to exactly 100 (1 of 8 and 7 of 8: 13 % and 87 %).
    """
    if total <= 0:
        return [0 for _ in counts]
    exact = [100 * count / total for count in counts]
    if not whole or sum(counts) != total:
        return [int(value + 0.5) for value in exact]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(exact)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in by_remainder[:100 - sum(shares)]:
        shares[index] += 1
    return shares


def _report_rows(pairs: Sequence[tuple[str, int]], total: int, whole: bool) -> list[ReportRow]:
    top = max([count for _, count in pairs] + [1])
    percents = percentages([count for _, count in pairs], total, whole)
    return [ReportRow(label=label, count=count, percent=percent, share=round(count / top, 3),
                      figure=f"{count} ({percent}%)") for (label, count), percent in zip(pairs, percents, strict=True)]


@dataclass(frozen=True, kw_only=True)
class Poll:
    """One poll as a deck defines it; each type is a subclass with its own settings and behaviour."""

    type: ClassVar[str] = ""
    label: ClassVar[str] = ""  # how the report names the type (translated there: marked with N_)
    deck_keys: ClassVar[frozenset[str]] = frozenset()
    views: ClassVar[tuple[str, ...]] = ()  # ways screens can show results, first = default; switchable if 2+
    moderated: ClassVar[bool] = False  # whether the facilitator may hide single answers from the screens
    whole: ClassVar[bool] = False  # whether each answer counts once, so the shares add up to 100 %

    id: str
    question: str
    results_visible: bool = True

    @classmethod
    def from_deck(cls, raw: Mapping[object, object], report: Report, common: Common) -> Self:
        """Validate the type's own deck keys and build the poll; raise DefinitionError if they are unusable."""
        return cls(**common)

    def public(self) -> TypeFields:
        """The type's fields in a `poll` payload."""
        return {}

    def answer(self, value: object) -> Answer:
        """Validate a submitted value; raise AnswerError if it does not fit."""
        raise NotImplementedError

    def results(self, counts: Mapping[str, int], total: int) -> TypeFields:
        """The type's fields in a `results_updated` payload, from counts screens may show."""
        raise NotImplementedError

    def moderation_key(self, text: str) -> str:
        """What hiding the answer shown as `text` hides: the counter group it stands for."""
        return text

    def staff_results(self, tally: PollTally) -> TypeFields:
        """The facilitator's results: like everyone's, plus what only moderation needs."""
        return self.results(tally.shown, tally.total)

    @classmethod
    def export_pairs(cls, exported: Mapping[str, object]) -> list[tuple[str, int]]:
        """(option, count) rows of an exported, unsuppressed poll: the CSV's `option` and `count`."""
        raise NotImplementedError

    @classmethod
    def report_view(cls, exported: Mapping[str, object]) -> ReportView:
        """How the printable report draws an exported, unsuppressed poll."""
        total = exported.get("total")
        return ReportView(layout="bars", note="", rows=_report_rows(
            cls.export_pairs(exported), total if isinstance(total, int) else 0, cls.whole))


POLL_TYPES: dict[str, type[Poll]] = {}
P = TypeVar("P", bound=type[Poll])


def register(kind: P) -> P:
    """Make a poll type known to decks, the server and exports by its `type` name."""
    POLL_TYPES[kind.type] = kind
    return kind


def poll_class(exported: Mapping[str, object]) -> type[Poll]:
    """The type class of a poll in a results document."""
    return POLL_TYPES[str(exported["type"])]


@dataclass(frozen=True, kw_only=True)
class _ChoicePoll(Poll):
    """Shared by the types whose answers pick among options."""

    deck_keys: ClassVar[frozenset[str]] = frozenset({"options"})
    options: tuple[str, ...] = ()

    @classmethod
    def from_deck(cls, raw: Mapping[object, object], report: Report, common: Common) -> Self:
        options = raw.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            report("options", f"'options' must be a list of 2 to {MAX_OPTIONS} choices")
            raise DefinitionError
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
        return cls(**common, options=tuple(cleaned))

    def public(self) -> TypeFields:
        return {"options": list(self.options)}

    def results(self, counts: Mapping[str, int], total: int) -> TypeFields:
        values = [int(counts.get(str(index), 0)) for index in range(len(self.options))]
        return {"counts": values, "percents": percentages(values, total, self.whole)}

    @classmethod
    def export_pairs(cls, exported: Mapping[str, object]) -> list[tuple[str, int]]:
        options = exported.get("options")
        labels = [str(option) for option in options] if isinstance(options, list) else []
        return list(zip(labels, _ints(exported.get("counts")), strict=True))

    def _index(self, value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(self.options):
            raise AnswerError(f"an option index from 0 to {len(self.options) - 1}")
        return value


@register
@dataclass(frozen=True, kw_only=True)
class SinglePoll(_ChoicePoll):
    """One option out of several."""

    type: ClassVar[str] = "single"
    label: ClassVar[str] = N_("one choice")
    whole: ClassVar[bool] = True

    def answer(self, value: object) -> Answer:
        index = self._index(value)
        return Answer(stored=json.dumps(index), members=(str(index),))


@register
@dataclass(frozen=True, kw_only=True)
class MultiplePoll(_ChoicePoll):
    """Any number of options, at least one."""

    type: ClassVar[str] = "multiple"
    label: ClassVar[str] = N_("several choices")

    def answer(self, value: object) -> Answer:
        if not isinstance(value, list) or not value:
            raise AnswerError("a non-empty list of option indexes")
        indexes = sorted({self._index(item) for item in value})
        return Answer(stored=json.dumps(indexes), members=tuple(str(index) for index in indexes))


@register
@dataclass(frozen=True, kw_only=True)
class ScalePoll(Poll):
    """A whole number on a labelled scale."""

    type: ClassVar[str] = "scale"
    label: ClassVar[str] = N_("scale")
    whole: ClassVar[bool] = True
    deck_keys: ClassVar[frozenset[str]] = frozenset({"scale"})
    scale_min: int = 1
    scale_max: int = 5
    scale_labels: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_deck(cls, raw: Mapping[object, object], report: Report, common: Common) -> Self:
        scale = raw.get("scale", {"min": 1, "max": 5})
        if not isinstance(scale, dict):
            report("scale", "'scale' must be a mapping like {min: 1, max: 5, labels: {1: Never, 5: Always}}")
            raise DefinitionError
        low, high = scale.get("min", 1), scale.get("max", 5)
        if not isinstance(low, int) or not isinstance(high, int) or not (_is_int(low) and _is_int(high)) \
                or not 0 <= low < high <= low + 10:
            report("scale", "scale 'min' and 'max' must be whole numbers, min >= 0, with 2 to 11 steps")
            raise DefinitionError
        unknown = set(scale) - {"min", "max", "labels"}
        if unknown:
            report("scale", f"unknown scale key '{sorted(unknown)[0]}' (known: labels, max, min)")
        labels = scale.get("labels", {})
        cleaned: dict[int, str] = {}
        if not isinstance(labels, dict):
            report("scale", "scale 'labels' must map numbers to text")
            labels = {}
        for key, label in labels.items():
            if not isinstance(key, int) or not _is_int(key) or not low <= key <= high:
                report("scale", f"scale label key {key!r} is not a whole number from {low} to {high}")
            elif not isinstance(label, str) or not label.strip() or len(label) > 40:
                report("scale", f"scale label for {key} must be text of at most 40 characters")
            else:
                cleaned[key] = label.strip()
        return cls(**common, scale_min=low, scale_max=high, scale_labels=cleaned)

    def public(self) -> TypeFields:
        labels = {str(key): label for key, label in sorted(self.scale_labels.items())}
        return {"scale": {"min": self.scale_min, "max": self.scale_max, "labels": labels}}

    def answer(self, value: object) -> Answer:
        if not isinstance(value, int) or isinstance(value, bool) or not self.scale_min <= value <= self.scale_max:
            raise AnswerError(f"a whole number from {self.scale_min} to {self.scale_max}")
        return Answer(stored=json.dumps(value), members=(str(value),))

    def results(self, counts: Mapping[str, int], total: int) -> TypeFields:
        steps = range(self.scale_min, self.scale_max + 1)
        values = [int(counts.get(str(step), 0)) for step in steps]
        answered = sum(values)
        mean = sum(step * count for step, count in zip(steps, values, strict=True)) / answered if answered else None
        return {"counts": values, "percents": percentages(values, answered, self.whole),
                "mean": round(mean, 2) if mean is not None else None}

    @classmethod
    def export_pairs(cls, exported: Mapping[str, object]) -> list[tuple[str, int]]:
        scale = exported.get("scale")
        if not isinstance(scale, dict):
            return []
        labels = scale.get("labels") or {}
        steps = range(int(scale["min"]), int(scale["max"]) + 1)
        return [(f"{step} {labels[str(step)]}" if str(step) in labels else str(step), count)
                for step, count in zip(steps, _ints(exported.get("counts")), strict=True)]

    @classmethod
    def report_view(cls, exported: Mapping[str, object]) -> ReportView:
        view = super().report_view(exported)
        mean = exported.get("mean")
        view["note"] = f"mean {mean}" if mean is not None else ""
        if isinstance(mean, int | float):
            view["mean"] = float(mean)
        return view


class TextAnswer(TypedDict, total=False):
    """One distinct text answer in results; `hidden` only in the facilitator's."""

    text: str
    count: int
    hidden: bool


@register
@dataclass(frozen=True, kw_only=True)
class TextPoll(Poll):
    """A short free-text answer, counted by its normalised form."""

    type: ClassVar[str] = "text"
    label: ClassVar[str] = N_("short text")
    deck_keys: ClassVar[frozenset[str]] = frozenset({"max_length"})
    views: ClassVar[tuple[str, ...]] = ("cloud", "list")
    moderated: ClassVar[bool] = True
    max_length: int = 80

    @classmethod
    def from_deck(cls, raw: Mapping[object, object], report: Report, common: Common) -> Self:
        limit = raw.get("max_length", 80)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_TEXT_LENGTH:
            report("max_length", f"'max_length' must be a whole number from 1 to {MAX_TEXT_LENGTH}")
            raise DefinitionError
        return cls(**common, max_length=limit)

    def public(self) -> TypeFields:
        return {"max_length": self.max_length}

    def answer(self, value: object) -> Answer:
        if not isinstance(value, str):
            raise AnswerError("text")
        text = clean_text(value)
        if not _visible(text):
            raise AnswerError("some text")
        # Code points, as Python counts them: a long ZWJ chain costs every joiner and symbol in it.
        if len(text) > self.max_length:
            raise AnswerError(f"at most {self.max_length} characters")
        return Answer(stored=json.dumps(text), members=(text_member(text),))

    def moderation_key(self, text: str) -> str:
        return text_key(clean_text(text))

    def results(self, counts: Mapping[str, int], total: int) -> TypeFields:
        return {"answers": self._answers(counts)}

    def staff_results(self, tally: PollTally) -> TypeFields:
        # The facilitator sees hidden answers too, flagged, so a hide can be undone.
        answers = self._answers(tally.counts)
        for answer in answers:
            answer["hidden"] = text_key(answer["text"]) in tally.hidden
        return {"answers": answers}

    @staticmethod
    def _answers(counts: Mapping[str, int]) -> list[TextAnswer]:
        spellings: dict[str, list[tuple[int, str]]] = {}
        for member, count in counts.items():
            if int(count) > 0:
                key, _, spelling = member.partition(MEMBER_SEPARATOR)
                spellings.setdefault(key, []).append((-int(count), spelling or key))
        # Each key shows its most common spelling; a tie goes to the first in code point order, not the first to
        # arrive, which is not kept. Sorted by text, not by arrival, so the order tells nothing about who wrote what.
        answers = [TextAnswer(text=min(group)[1], count=-sum(count for count, _ in group))
                   for group in spellings.values()]
        return sorted(answers, key=lambda answer: answer["text"])

    @classmethod
    def export_pairs(cls, exported: Mapping[str, object]) -> list[tuple[str, int]]:
        answers = exported.get("answers")
        if not isinstance(answers, list):
            return []
        return [(str(answer["text"]), int(answer["count"])) for answer in answers]

    @classmethod
    def report_view(cls, exported: Mapping[str, object]) -> ReportView:
        view = super().report_view(exported)
        view["rows"].sort(key=lambda row: -row["count"])
        return ReportView(layout="words", note="", rows=view["rows"])


@register
@dataclass(frozen=True, kw_only=True)
class RankingPoll(_ChoicePoll):
    """Every option put in order, first = top; results are each option's mean rank."""

    type: ClassVar[str] = "ranking"
    label: ClassVar[str] = N_("ranking")

    def answer(self, value: object) -> Answer:
        if not isinstance(value, list) or len(value) != len(self.options):
            raise AnswerError(f"every option index from 0 to {len(self.options) - 1} once, first = top")
        order = [self._index(item) for item in value]
        if len(set(order)) != len(order):
            raise AnswerError("each option once")
        # One counter per (option, place): the mean rank is their weighted mean; nothing else is kept.
        return Answer(stored=json.dumps(order), members=tuple(f"{index}@{place}"
                                                             for place, index in enumerate(order, start=1)))

    def results(self, counts: Mapping[str, int], total: int) -> TypeFields:
        return {"mean_rank": self._mean_ranks(counts)}

    def _mean_ranks(self, counts: Mapping[str, int]) -> list[float | None]:
        places = range(1, len(self.options) + 1)
        means: list[float | None] = []
        for index in range(len(self.options)):
            ranked = [(place, int(counts.get(f"{index}@{place}", 0))) for place in places]
            answered = sum(count for _, count in ranked)
            means.append(round(sum(place * count for place, count in ranked) / answered, 2) if answered else None)
        return means

    @staticmethod
    def _best_first(exported: Mapping[str, object]) -> list[tuple[str, object]]:
        """An exported ranking's (option, mean rank) pairs, best first, options nobody ranked last."""
        options, means = exported.get("options"), exported.get("mean_rank")
        if not isinstance(options, list) or not isinstance(means, list):
            return []
        pairs = [(str(option), mean) for option, mean in zip(options, means, strict=True)]
        return sorted(pairs, key=lambda pair: (not isinstance(pair[1], int | float), pair[1] or 0))

    @classmethod
    def export_pairs(cls, exported: Mapping[str, object]) -> list[tuple[str, int]]:
        # CSV rows: each option with its mean rank in the label, best first; `count` is how many answered.
        total = exported.get("total")
        return [(f"{option} (mean rank {mean})", total if isinstance(total, int) else 0)
                for option, mean in cls._best_first(exported)]

    @classmethod
    def report_view(cls, exported: Mapping[str, object]) -> ReportView:
        ranked = cls._best_first(exported)
        total = exported.get("total")
        rows = []
        for option, mean in ranked:
            # The bar shows how high the option ranks: full for a mean rank of 1, one step for the last place.
            share = round((len(ranked) - float(mean) + 1) / len(ranked), 3) if isinstance(mean, int | float) else 0.0
            rows.append(ReportRow(label=option, count=total if isinstance(total, int) else 0, percent=0,
                                  share=share, figure=f"mean rank {mean}" if mean is not None else "not ranked",
                                  mean_rank=float(mean) if isinstance(mean, int | float) else None))
        return ReportView(layout="bars", note="mean rank, 1 = top", rows=rows)
