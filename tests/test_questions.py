"""Q&A's pure rules: cleaning, ids, order, what each audience sees, what is exported; the deck's `qa` key."""

from __future__ import annotations

import pytest

from workshop.decks import DeckError, parse_deck
from workshop.questions import (
    MAX_LENGTH,
    SHOWN_TO_ROOM,
    QaState,
    Question,
    QuestionError,
    clean_question,
    exported,
    ordered,
    parse_state,
    question_id,
    questions_payload,
)


def test_questions_are_cleaned_like_text_answers() -> None:
    assert clean_question("  How do I\n\nsay no? ") == "How do I say no?"
    assert clean_question("a\u202eb\u200bc") == "abc", "bidi overrides and zero width spaces go"
    assert clean_question("👩\u200d👩\u200d👧") == "👩\u200d👩\u200d👧", "emoji sequences keep their joiners"


@pytest.mark.parametrize("value", ["", "   ", "\u200b\u2060", "?!", "\u3164", None, 5, ["x"]])
def test_empty_invisible_or_non_text_questions_are_refused(value: object) -> None:
    with pytest.raises(QuestionError):
        clean_question(value)


def test_the_length_limit_counts_code_points() -> None:
    assert clean_question("x" * MAX_LENGTH) == "x" * MAX_LENGTH
    with pytest.raises(QuestionError, match=f"at most {MAX_LENGTH}"):
        clean_question("x" * (MAX_LENGTH + 1))


@pytest.mark.parametrize("value", ["0", "01", "-1", "1.0", "x", "", "1234567", "\u0661", 1, None])
def test_question_ids_are_small_positive_numbers_as_text(value: object) -> None:
    with pytest.raises(QuestionError):
        question_id(value)
    assert question_id("42") == "42"


def test_order_is_by_votes_then_age() -> None:
    questions = [Question("3", "c", "shown", 2), Question("1", "a", "shown", 1), Question("2", "b", "shown", 2),
                 Question("10", "d", "shown", 1)]
    assert [q.id for q in ordered(questions)] == ["2", "3", "1", "10"]


STATE = QaState(open=True, moderation="approve", pinned="2", questions=(
    Question("1", "pending one", "pending"), Question("2", "shown one", "shown", 3),
    Question("3", "hidden one", "hidden", 9), Question("4", "answered one", "shown", 1, answered=True)))


def test_phones_and_the_presenter_get_shown_questions_only_and_the_facilitator_all() -> None:
    for view in ("participant", "presenter"):
        payload = questions_payload(STATE, view)
        assert payload == {"open": True, "questions": [
            {"id": "2", "text": "shown one", "votes": 3, "answered": False, "pinned": True},
            {"id": "4", "text": "answered one", "votes": 1, "answered": True, "pinned": False}]}
    staff = questions_payload(STATE, "facilitator")
    assert staff["moderation"] == "approve"
    assert [(q["id"], q["status"]) for q in staff["questions"]] == [
        ("3", "hidden"), ("2", "shown"), ("4", "shown"), ("1", "pending")]


def test_exports_keep_shown_questions_with_votes_only() -> None:
    assert exported(STATE) == [{"text": "shown one", "votes": 3, "answered": False},
                               {"text": "answered one", "votes": 1, "answered": True}]


def test_state_from_the_store_hashes() -> None:
    state = parse_state({"open": "1", "moderation": "weird", "pinned": "1"}, {"1": "a", "2": "b"},
                        {"1": "shown", "2": "odd"}, {"1": "2"}, {"2"})
    assert state.moderation == "none" and state.open
    assert state.questions == (Question("1", "a", "shown", 2), Question("2", "b", "hidden", 0, True))
    assert parse_state({}, {}, {}, {}, ()) == QaState(False, "none", "", ())


def test_a_slide_may_open_qa_and_the_key_is_checked_with_its_line() -> None:
    deck = parse_deck("title: T\nslides:\n  - title: Questions\n    qa: true\n  - title: Other\n", "d", "d.yaml")
    assert [slide.qa for slide in deck.slides] == [True, False]
    with pytest.raises(DeckError) as error:
        parse_deck("title: T\nslides:\n  - title: Questions\n    qa: yes please\n", "d", "d.yaml")
    assert "d.yaml:4: slide 'qa' must be true or false" in str(error.value)


def test_phones_get_the_most_voted_questions_and_the_pinned_one() -> None:
    many = tuple(Question(str(n), f"q{n}", "shown", votes=1000 - n) for n in range(1, SHOWN_TO_ROOM + 11))
    state = QaState(open=True, moderation="none", pinned=str(SHOWN_TO_ROOM + 10), questions=many)
    ids = [item["id"] for item in questions_payload(state, "participant")["questions"]]
    assert ids == [str(n) for n in range(1, SHOWN_TO_ROOM + 1)] + [str(SHOWN_TO_ROOM + 10)]
    assert len(questions_payload(state, "facilitator")["questions"]) == SHOWN_TO_ROOM + 10
