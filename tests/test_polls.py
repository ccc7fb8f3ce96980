"""Poll types: answer validation and results shape, free of Flask and Redis."""

from __future__ import annotations

import pytest

from workshop.polls import (
    AnswerError,
    MultiplePoll,
    Poll,
    PollTally,
    RankingPoll,
    ScalePoll,
    SinglePoll,
    TextPoll,
    clean_text,
    text_key,
)
from workshop.render import markdown_to_html

SINGLE = SinglePoll(id="s", question="Q", options=("a", "b", "c"))
MULTIPLE = MultiplePoll(id="m", question="Q", options=("a", "b", "c"))
SCALE = ScalePoll(id="sc", question="Q", scale_min=1, scale_max=5)
TEXT = TextPoll(id="t", question="Q", max_length=10)


@pytest.mark.parametrize(("poll", "value", "members"), [
    (SINGLE, 2, ("2",)),
    (MULTIPLE, [2, 0, 2], ("0", "2")),
    (SCALE, 5, ("5",)),
    (TEXT, "  Friends!  ", ("friends\x1fFriends!",)),
    (TEXT, "trust", ("trust",)),
])
def test_valid_answers_become_counter_members(poll: Poll, value: object, members: tuple[str, ...]) -> None:
    assert poll.answer(value).members == members


@pytest.mark.parametrize(("poll", "value"), [
    (SINGLE, 3), (SINGLE, -1), (SINGLE, True), (SINGLE, "1"), (SINGLE, 1.0),
    (MULTIPLE, []), (MULTIPLE, [0, 7]), (MULTIPLE, 1), (MULTIPLE, [None]),
    (SCALE, 0), (SCALE, 6), (SCALE, 2.5), (SCALE, "3"),
    (TEXT, ""), (TEXT, "   "), (TEXT, "x" * 11), (TEXT, 5), (TEXT, ["a"]),
])
def test_invalid_answers_are_refused(poll: Poll, value: object) -> None:
    with pytest.raises(AnswerError):
        poll.answer(value)


def test_text_is_trimmed_and_keyed_so_equal_words_count_together() -> None:
    wide = "\uff26\uff52\uff49\uff45\uff4e\uff44\uff53"  # "Friends" in full-width letters
    cleaned = clean_text("  " + wide + "\u200b  \n and\tfamily. ")
    assert cleaned == wide + " and family.", "the writer's own characters are kept"
    assert text_key(cleaned) == "friends and family"
    assert text_key("TRUST") == text_key("trust!") == "trust"


@pytest.mark.parametrize("kept", [
    "\U0001F3C3\u200d\u2640\ufe0f",  # woman running: runner, ZWJ, female sign, VS16
    "\U0001F469\U0001F3FD\u200d\U0001F4BB",  # woman technologist, medium skin tone
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian "I want", with its ZWNJ
    "\u0915\u094d\u200d\u0937",  # Devanagari half form
    "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",  # flag of Scotland (tags)
    "\u845b\U000E0100",  # an ideographic variation sequence
    "Stra\u00dfe", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
])
def test_every_script_and_emoji_sequence_is_kept_as_written(kept: str) -> None:
    answer = TextPoll(id="t", question="Q").answer(kept)
    assert answer.value == kept
    assert TEXT.results(dict.fromkeys(answer.members, 1), 1) == {"answers": [{"text": kept, "count": 1}]}


def test_spellings_share_a_key_and_the_most_common_one_is_shown() -> None:
    spellings = ["Stra\u00dfe", "STRASSE", "strasse", "Stra\u00dfe", "  stra\u00dfe "]
    members = [TEXT.answer(text).members[0] for text in spellings]
    assert {member.split("\x1f")[0] for member in members} == {"strasse"}
    counts: dict[str, int] = {}
    for member in members:
        counts[member] = counts.get(member, 0) + 1
    assert TEXT.results(counts, 5) == {"answers": [{"text": "Stra\u00dfe", "count": 5}]}
    # A tie goes to the first in code point order, whatever order the counts come in.
    tied = {"strasse": 1, "strasse\x1fSTRASSE": 1}
    assert TEXT.results(tied, 2) == TEXT.results(dict(reversed(tied.items())), 2)
    assert TEXT.results(tied, 2)["answers"] == [{"text": "STRASSE", "count": 2}]


def test_composed_and_decomposed_letters_are_one_answer() -> None:
    composed, decomposed = TEXT.answer("caf\u00e9"), TEXT.answer("cafe\u0301")
    assert composed == decomposed and composed.value == "caf\u00e9", "stored in NFC"


@pytest.mark.parametrize(("hostile", "clean"), [
    ("\u202eevil\u202c", "evil"), ("\u2067\u05e9\u05dc\u05d5\u05dd\u2069", "\u05e9\u05dc\u05d5\u05dd"),
    ("a\u202ab\u202dc\u2066d", "abcd"), ("\u200fyes\u200e", "yes"),
    ("zero\u200bwidth", "zerowidth"), ("word\u2060joiner\ufeff", "wordjoiner"), ("soft\u00adhyphen", "softhyphen"),
    ("line\r\nbreak\x00\x07", "line break"), ("hidden\U000E0041\U000E0042", "hidden"),
])
def test_bidi_controls_and_useless_invisible_characters_are_removed(hostile: str, clean: str) -> None:
    assert clean_text(hostile) == clean


def test_moderation_hides_every_spelling_of_an_answer() -> None:
    hidden = frozenset({TEXT.moderation_key("Idiot!")})
    tally = PollTally({"idiot\x1fIDIOT": 2, "idiot": 1, "trust\x1fTrust": 1}, 4, hidden)
    assert TEXT.results(tally.shown, 4) == {"answers": [{"text": "Trust", "count": 1}]}
    assert TEXT.staff_results(tally)["answers"] == [{"text": "IDIOT", "count": 3, "hidden": True},
                                                    {"text": "Trust", "count": 1, "hidden": False}]


def test_choice_results_are_aligned_with_options() -> None:
    assert SINGLE.results({"0": 2, "2": 5}, 7) == {"counts": [2, 0, 5], "percents": [29, 0, 71]}
    assert MULTIPLE.results({"1": 3}, 3) == {"counts": [0, 3, 0], "percents": [0, 100, 0]}


def test_scale_results_run_from_min_to_max_with_the_mean() -> None:
    assert SCALE.results({"1": 1, "4": 2, "5": 1}, 4) == {"counts": [1, 0, 0, 2, 1], "percents": [25, 0, 0, 50, 25],
                                                          "mean": 3.5}
    assert SCALE.results({}, 0)["mean"] is None


def test_text_results_are_distinct_texts_with_counts_in_no_arrival_order() -> None:
    results = TEXT.results({"trust": 2, "boundaries": 1, "gone": 0}, 3)
    assert results == {"answers": [{"text": "boundaries", "count": 1}, {"text": "trust", "count": 2}]}


def test_slide_markdown_cannot_inject_markup() -> None:
    html = markdown_to_html("**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>")
    assert "<strong>Bold</strong>" in html
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html


@pytest.mark.parametrize("disguised", ["idi\u2060ot", "idi\u00adot", "idiot\U000e0020", "i\u034fdiot",
                                       "idi\u200dot", "idi\u200bot", "IDIOT\ufe0f", "\u202eidiot"])
def test_answers_that_look_the_same_count_as_one(disguised: str) -> None:
    assert text_key(str(TEXT.answer(disguised).value)) == "idiot"


@pytest.mark.parametrize("blank", ["\u3164", "\u00ad", "\u061c", "\U000e0041\U000e0042", "\u2060\u200b", "...",
                                   "\u0301", " \t "])
def test_answers_with_nothing_visible_are_refused(blank: str) -> None:
    with pytest.raises(AnswerError):
        TEXT.answer(blank)


RANKING = RankingPoll(id="r", question="Q", options=("a", "b", "c"))


def test_a_ranking_puts_every_option_in_order_once() -> None:
    assert RANKING.answer([2, 0, 1]).members == ("2@1", "0@2", "1@3")
    assert RANKING.answer([2, 0, 1]).value == [2, 0, 1]
    for bad in ([0, 1], [0, 1, 1], [0, 1, 3], [0, 1, True], "0,1,2", [0, 1, 2, 0]):
        with pytest.raises(AnswerError):
            RANKING.answer(bad)


def test_ranking_results_are_mean_ranks_aligned_with_options() -> None:
    counts: dict[str, int] = {}
    for order in ([2, 0, 1], [0, 2, 1], [2, 1, 0]):
        for member in RANKING.answer(order).members:
            counts[member] = counts.get(member, 0) + 1
    assert RANKING.results(counts, 3) == {"mean_rank": [2.0, 2.67, 1.33]}
    assert RANKING.results({}, 0) == {"mean_rank": [None, None, None]}


def test_a_ranking_exports_and_reports_best_first() -> None:
    exported = {"id": "r", "question": "Q", "type": "ranking", "total": 3, "suppressed": False,
                **RANKING.public(), "mean_rank": [2.0, 2.67, 1.33]}
    assert RankingPoll.export_pairs(exported) == [("c (mean rank 1.33)", 3), ("a (mean rank 2.0)", 3),
                                                  ("b (mean rank 2.67)", 3)]
    view = RankingPoll.report_view(exported)
    assert [row["label"] for row in view["rows"]] == ["c", "a", "b"]
    assert view["rows"][0]["figure"] == "mean rank 1.33" and view["rows"][0]["share"] > view["rows"][2]["share"]


@pytest.mark.parametrize(("counts", "total", "whole", "expected"), [
    ([1, 7], 8, True, [13, 87]),         # half up would make 101 %
    ([1, 1, 1], 3, True, [34, 33, 33]),  # the leftover point to the first of equal remainders
    ([2, 1, 0], 3, True, [67, 33, 0]),
    ([1, 1], 3, False, [33, 33]),        # multiple choice: shares of the people who answered, each half up
    ([1, 3], 8, False, [13, 38]),
    ([0, 0], 0, True, [0, 0]),
])
def test_percentages_round_half_up_and_add_up_to_100_when_each_answer_counts_once(
        counts: list[int], total: int, whole: bool, expected: list[int]) -> None:
    from workshop.polls import percentages

    assert percentages(counts, total, whole) == expected
    if whole and total:
        assert sum(percentages(counts, total, whole)) == 100


@pytest.mark.parametrize("disguised", ["idiot\u2800", "idiot\ue000", "\u2800idiot", "idi\U000f0000ot"])
def test_blank_braille_and_private_use_characters_cannot_disguise_an_answer(disguised: str) -> None:
    assert clean_text(disguised) == "idiot" and text_key(clean_text(disguised)) == text_key("idiot")


def test_an_answer_of_blank_braille_only_is_refused() -> None:
    with pytest.raises(AnswerError):
        TextPoll.from_deck({"max_length": 60}, lambda key, message: None,
                           {"id": "t", "question": "Q?", "results_visible": True}).answer("\u2800\u2800")
