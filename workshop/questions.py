"""Anonymous questions (Q&A): the pure rules, free of Flask and Redis.

A phone asks a question while the facilitator has Q&A open; other phones upvote the shown ones (one vote per
phone per question, which it can take back). The facilitator chooses between showing questions at once and
approving them first, hides, marks answered and pins one to the presenter screen. This module cleans the text,
checks ids and actions, orders the questions and shapes each audience's `questions_updated`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict

from .polls import clean_text

MAX_LENGTH = 200  # code points, as text answers count them
# And UTF-8 bytes: 200 code points of emoji joined by ZWJ are 700 bytes, and every phone gets every question.
MAX_BYTES = 400
PER_MINUTE = 3  # questions one phone may ask in any 60 seconds
WINDOW_SECONDS = 60
MAX_QUESTIONS = 300  # per session: bounds every payload and the memory one session can take
SHOWN_TO_ROOM = 20  # the most-voted shown questions phones and the presenter get (plus the pinned one)
# Phones and the presenter get the questions at most this often (the facilitator every tick): a vote need not
# show in 250 ms, and a hostile phone toggling votes must not make every phone download the list four times
# a second. It also blurs when exactly a vote was cast, for anyone watching the screen with a stopwatch.
ROOM_INTERVAL_MS = 2000
MODERATIONS = ("none", "approve")
ACTIONS = ("approve", "hide", "answered", "pin", "unpin")
STATUSES = ("pending", "shown", "hidden")

Status = Literal["pending", "shown", "hidden"]


class QuestionError(ValueError):
    """A question, id or action that is refused; the message says why, for the person who sent it."""


class QuestionItem(TypedDict, total=False):
    """One question in `questions_updated`; `status` only in the facilitator's copy."""

    id: str
    text: str
    votes: int
    answered: bool
    pinned: bool
    status: Status


class QuestionsPayload(TypedDict, total=False):
    """`questions_updated` (and `session_state.qa`); `moderation` only in the facilitator's copy."""

    open: bool
    questions: list[QuestionItem]
    moderation: str


class ExportedQuestion(TypedDict):
    """One shown question in `results.json` and the report."""

    text: str
    votes: int
    answered: bool


@dataclass(frozen=True)
class Question:
    """A question as the store keeps it: no author, no voters, only what the screens show."""

    id: str
    text: str
    status: Status
    votes: int = 0
    answered: bool = False

    @property
    def number(self) -> int:
        """Its place in asking order (ids are 1, 2, 3...): older questions come first among equal votes."""
        return int(self.id)


@dataclass(frozen=True)
class QaState:
    """Everything kept about a session's Q&A: its switch, mode, pinned question and questions."""

    open: bool
    moderation: str
    pinned: str
    questions: tuple[Question, ...]


def clean_question(value: object) -> str:
    """A question as stored and shown: cleaned like a text answer, not empty, at most MAX_LENGTH code points."""
    if not isinstance(value, str):
        raise QuestionError("a question must be text")
    text = clean_text(value)
    # At least one letter, number or symbol (as text answers): not only punctuation, marks or spaces.
    if not any(unicodedata.category(char)[0] in "LNS" for char in text):
        raise QuestionError("write a question first")
    if len(text) > MAX_LENGTH or len(text.encode("utf-8")) > MAX_BYTES:
        raise QuestionError(f"a question can be at most {MAX_LENGTH} characters")
    return text


def question_id(value: object) -> str:
    """A question id as sent by a client (the store numbers questions 1, 2, 3...)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 6 or value[0] == "0":
        raise QuestionError("no such question")
    return value


def ordered(questions: Iterable[Question]) -> list[Question]:
    """By votes, most first, then by age, oldest first: a stable order, so screens move only when votes do."""
    return sorted(questions, key=lambda question: (-question.votes, question.number))


def questions_payload(state: QaState, view: str) -> QuestionsPayload:
    """What one audience sees: the facilitator every question with its status; everyone else the shown ones."""
    staff = view == "facilitator"
    items: list[QuestionItem] = []
    for question in ordered(state.questions):
        if not staff and question.status != "shown":
            continue
        item: QuestionItem = {"id": question.id, "text": question.text, "votes": question.votes,
                              "answered": question.answered,
                              "pinned": question.id == state.pinned and question.status == "shown"}
        if staff:
            item["status"] = question.status
        items.append(item)
    if not staff and len(items) > SHOWN_TO_ROOM:  # a room's every phone gets this: keep it small
        items = [item for index, item in enumerate(items) if index < SHOWN_TO_ROOM or item["pinned"]]
    payload: QuestionsPayload = {"open": state.open, "questions": items}
    if staff:
        payload["moderation"] = state.moderation
    return payload


def exported(state: QaState) -> list[ExportedQuestion]:
    """The shown questions with their votes, for `results.json` and the report; pending and hidden never."""
    return [{"text": question.text, "votes": question.votes, "answered": question.answered}
            for question in ordered(state.questions) if question.status == "shown"]


def parse_state(meta: Mapping[str, str], texts: Mapping[str, str], statuses: Mapping[str, str],
                votes: Mapping[str, str], answered: Iterable[str]) -> QaState:
    """A session's Q&A from the store's hashes (see store.py's key schema)."""
    done = set(answered)
    questions = tuple(
        Question(id=qid, text=text, status=_status(statuses.get(qid)), votes=max(0, int(votes.get(qid) or 0)),
                 answered=qid in done)
        for qid, text in texts.items() if qid.isdigit())
    moderation = meta.get("moderation")
    return QaState(open=meta.get("open") == "1", moderation=moderation if moderation in MODERATIONS else "none",
                   pinned=meta.get("pinned") or "", questions=questions)


def _status(value: str | None) -> Status:
    if value == "shown":
        return "shown"
    if value == "pending":
        return "pending"
    return "hidden"
