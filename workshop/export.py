"""Anonymised results of a session as a JSON document and as CSV; nothing per person ever enters them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, cast

from .decks import Deck
from .polls import Poll, PollTally, ReportView, percentages, poll_class
from .questions import ExportedQuestion

# One exported poll: id, question, type, total, suppressed, the type's `public` fields and, unless
# suppressed, its results; the keys beyond the first five depend on the poll type.
ExportedPoll = dict[str, object]


class ExportedSession(TypedDict):
    """The session part of `results.json`: no keys, no tokens, dates not times."""

    id: str
    deck: str
    title: str
    deck_version: str | None  # the deck file's short ETag when the session started
    created: str
    ended: str | None
    participants: int


class SlideReactions(TypedDict):
    """One slide's reactions in `results.json`: counts only, never who."""

    slide: int
    title: str
    counts: dict[str, int]


class ResultsDocument(TypedDict):
    """`results.json`."""

    session: ExportedSession
    min_responses: int
    polls: list[ExportedPoll]
    reactions: NotRequired[dict[str, int]]  # session totals by emoji
    reactions_by_slide: NotRequired[list[SlideReactions]]  # only slides that got any
    questions: list[ExportedQuestion]  # the shown Q&A questions, most votes first; pending and hidden never


CSV_COLUMNS = ("poll", "question", "type", "option", "count", "percent")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\0", "\r")


def poll_results(poll: Poll, tally: PollTally, min_responses: int) -> ExportedPoll:
    """One poll's exported results: suppressed below the threshold, moderated texts left out."""
    result: ExportedPoll = {"id": poll.id, "question": poll.question, "type": poll.type,
                              "total": tally.total, "suppressed": tally.total < min_responses}
    result.update(poll.public())
    if not result["suppressed"]:
        result.update(poll.results(tally.shown, tally.total))
    return result


def results_document(session: ExportedSession, deck: Deck, tallies: Mapping[str, PollTally],
                     min_responses: int, questions: Sequence[ExportedQuestion] = (),
                     reactions: Sequence[tuple[int, str, Mapping[str, int]]] = ()) -> ResultsDocument:
    """The `results.json` document of the contract; `reactions`: (slide index, title, counts) per slide."""
    document: ResultsDocument = {
        "session": session,
        "min_responses": min_responses,
        "polls": [poll_results(poll, tallies[poll.id], min_responses) for poll in deck.polls()],
        "questions": list(questions),
    }
    document.update(reaction_totals(deck, reactions))
    return document


def reaction_totals(deck: Deck, per_slide: Sequence[tuple[int, str, Mapping[str, int]]]) -> ResultsDocument:
    """The `reactions` (totals, the deck's emoji first, in its order) and `reactions_by_slide` parts."""
    order = {emoji: place for place, emoji in enumerate(deck.reactions)}
    totals: dict[str, int] = {}
    slides: list[SlideReactions] = []
    for index, title, counts in per_slide:
        ordered = dict(sorted(((emoji, count) for emoji, count in counts.items() if count > 0),
                              key=lambda item: (order.get(item[0], len(order)), item[0])))
        if not ordered:
            continue
        slides.append({"slide": index, "title": title, "counts": ordered})
        for emoji, count in ordered.items():
            totals[emoji] = totals.get(emoji, 0) + count
    totals = dict(sorted(totals.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))
    return cast(ResultsDocument, {"reactions": totals, "reactions_by_slide": slides})


def report_reactions(document: ResultsDocument) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """The report's reactions table: its emoji columns, then (slide title, count per column) per slide."""
    columns = list(document.get("reactions", {}))
    rows = [(slide["title"], [slide["counts"].get(emoji, 0) for emoji in columns])
            for slide in document.get("reactions_by_slide", [])]
    return columns, rows


def safe_cell(value: object) -> object:
    """Keep spreadsheets from running a cell as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(poll: ExportedPoll) -> list[tuple[object, ...]]:
    """The CSV rows of one exported poll: one per option, scale step or distinct text."""
    head = (poll["id"], poll["question"], poll["type"])
    if poll["suppressed"]:
        return [(*head, "suppressed: too few answers to show", "", "")]
    kind = poll_class(poll)
    pairs = kind.export_pairs(poll)
    total = poll["total"]
    # The screens' and the report's whole percentages; `count` keeps the exact figure.
    percents = percentages([count for _, count in pairs], total if isinstance(total, int) else 0, kind.whole)
    return [(*head, option, count, percent) for (option, count), percent in zip(pairs, percents, strict=True)]


class ReportSection(TypedDict):
    """One poll of the printable report: the exported poll, its type's name, and how to draw it."""

    poll: ExportedPoll
    label: str
    view: ReportView | None  # None while suppressed


def report_sections(document: ResultsDocument) -> list[ReportSection]:
    """What the printable report shows for each poll of a results document."""
    return [ReportSection(poll=poll, label=poll_class(poll).label,
                          view=None if poll["suppressed"] else poll_class(poll).report_view(poll))
            for poll in document["polls"]]


def question_rows(questions: Sequence[ExportedQuestion]) -> list[tuple[object, ...]]:
    """The CSV rows of the shown Q&A questions, in the polls' columns: no poll id, the question's text, type
    `question`, `answered` or `open` as the option, its votes as the count, no percent."""
    return [("", question["text"], "question", "answered" if question["answered"] else "open", question["votes"], "")
            for question in questions]


def to_json(document: ResultsDocument) -> str:
    """`results.json`: indented UTF-8 text; the HTTP download and `workshop export` write these same bytes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_csv(document: ResultsDocument) -> str:
    """`results.csv`: a header row, then one row per poll and option; formula-like cells neutralised."""
    buffer = io.StringIO()
    # A byte-order mark lets spreadsheet programs detect UTF-8; the API and `workshop export` share it.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for poll in document["polls"]:
        for row in csv_rows(poll):
            writer.writerow([safe_cell(cell) for cell in row])
    for row in question_rows(document.get("questions", [])):
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
