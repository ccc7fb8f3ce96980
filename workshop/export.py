"""Anonymised results of a session as a JSON document and as CSV; nothing per person ever enters them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from .decks import Deck, Poll
from .polls import poll_type
from .store import PollTally

CSV_COLUMNS = ("poll", "question", "type", "option", "count", "percent")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\0", "\r")


def poll_results(poll: Poll, tally: PollTally, min_responses: int) -> dict[str, Any]:
    """One poll's exported results: suppressed below the threshold, moderated texts left out."""
    result: dict[str, Any] = {"id": poll.id, "question": poll.question, "type": poll.type,
                              "total": tally.total, "suppressed": tally.total < min_responses}
    result.update(poll_type(poll).public(poll))
    if not result["suppressed"]:
        result.update(poll_type(poll).results(poll, tally.shown, tally.total))
    return result


def results_document(session: Mapping[str, Any], deck: Deck, tallies: Mapping[str, PollTally],
                     min_responses: int) -> dict[str, Any]:
    """The `results.json` document of the contract."""
    return {
        "session": {key: session.get(key) for key in ("id", "deck", "title", "created", "ended", "participants")},
        "min_responses": min_responses,
        "polls": [poll_results(poll, tallies[poll.id], min_responses) for poll in deck.polls()],
    }


def safe_cell(value: Any) -> Any:
    """Keep spreadsheets from running a cell as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}" if total else "0.0"


def csv_rows(poll: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The CSV rows of one exported poll: one per option, scale step or distinct text."""
    head = (poll["id"], poll["question"], poll["type"])
    if poll["suppressed"]:
        return [(*head, "suppressed: too few answers to show", "", "")]
    total = poll["total"]
    if poll["type"] in ("single", "multiple"):
        pairs = list(zip(poll["options"], poll["counts"], strict=True))
    elif poll["type"] == "scale":
        labels = poll["scale"]["labels"]
        steps = range(poll["scale"]["min"], poll["scale"]["max"] + 1)
        pairs = [(f"{step} {labels[str(step)]}" if str(step) in labels else str(step), count)
                 for step, count in zip(steps, poll["counts"], strict=True)]
    else:
        pairs = [(answer["text"], answer["count"]) for answer in poll["answers"]]
    return [(*head, option, count, _percent(count, total)) for option, count in pairs]


def to_csv(document: Mapping[str, Any]) -> str:
    """`results.csv`: a header row, then one row per poll and option; formula-like cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for poll in document["polls"]:
        for row in csv_rows(poll):
            writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
