"""How long one process spends checking a deck: what a save, a validation or the editor's merge holds it for.

Run: `.venv/bin/python -m bench.deck_checks [--runs 3]`. In-process, no server: each row is the median of
`--runs` calls of the code the deck API runs (`decks.parse_deck`, `deck_edit.line_paths`,
`deck_edit.update_deck_yaml`). Under eventlet or gevent a check holds the whole process, live rooms included,
so these times are what a facilitator's save costs everyone else.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from workshop.config import PROJECT_ROOT
from workshop.deck_edit import line_paths, plain_deck, update_deck_yaml
from workshop.decks import MAX_SLIDES, MAX_YAML_VALUES, DeckError, holds_too_many_values, parse_deck, parse_yaml


def fullest_deck() -> str:
    """The fullest deck the format allows: 200 poll slides with every key and 12 options."""
    options = ", ".join(f"Option {n}" for n in range(12))
    slides = "".join(
        f"  - title: Slide {n}\n    kind: content\n    body: Some **words**\n    notes: Say this\n    timer: 2m\n"
        f"    qa: true\n    phone: true\n    poll:\n      id: p{n}\n      type: multiple\n      question: Which?\n"
        f"      options: [{options}]\n      results_visible: false\n" for n in range(MAX_SLIDES))
    return "title: Full\ndescription: Everything\nlang: en\nslides:\n" + slides


def dense_file() -> str:
    """A file no deck needs: 60,000 tiny values in one list (120 KB)."""
    return "title: T\nslides:\n  - title: A\n    body: [" + ",".join("1" for _ in range(60_000)) + "]\n"


def check(text: str) -> str:
    """parse_deck as the API calls it: the outcome."""
    try:
        parse_deck(text, "bench", "bench.yaml")
    except DeckError as error:
        return f"refused: {error.problems[0].split(': ', 1)[1][:40]}"
    return "loads"


def median_ms(call: Callable[[], object], runs: int) -> tuple[float, object]:
    times, outcome = [], None
    for _ in range(runs):
        started = time.perf_counter()
        outcome = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="calls per row (the time is their median)")
    args = parser.parse_args()
    bundled = (PROJECT_ROOT / "decks" / "interdependence.yaml").read_text(encoding="utf-8")
    fullest, dense = fullest_deck(), dense_file()
    fullest_data = plain_deck(parse_yaml(fullest, "full.yaml")[0])
    bundled_data = plain_deck(parse_yaml(bundled, "bundled.yaml")[0])
    assert isinstance(fullest_data, dict) and isinstance(bundled_data, dict)
    dense_json = {"title": "T", "slides": [{"title": "A", "body": list(range(60_000))}]}
    rows: list[tuple[str, Callable[[], object]]] = [
        ("bundled deck (17 KB): check", lambda: check(bundled)),
        ("bundled deck: editor's JSON merged into its YAML",
         lambda: f"{len(update_deck_yaml(bundled, bundled_data))} B"),
        ("fullest deck (72 KB): check", lambda: check(fullest)),
        ("fullest deck: field paths for problems", lambda: f"{len(line_paths(fullest))} lines"),
        ("fullest deck: editor's JSON merged into its YAML",
         lambda: f"{len(update_deck_yaml(fullest, fullest_data))} B"),
        ("dense file (120 KB, 60,000 values): check", lambda: check(dense)),
        ("dense file: field paths", lambda: f"{len(line_paths(dense))} lines"),
        ("dense JSON (60,000 values): count before the merge",
         lambda: "refused" if holds_too_many_values(dense_json) else "merged"),
    ]
    print(f"value limit: {MAX_YAML_VALUES:,}; median of {args.runs} runs\n")
    print(f"| {'what':<52} | {'ms':>8} | outcome |")
    print(f"|{'-' * 54}|{'-' * 10}|---------|")
    for name, call in rows:
        milliseconds, outcome = median_ms(call, args.runs)
        print(f"| {name:<52} | {milliseconds:>8.1f} | {outcome} |")


if __name__ == "__main__":
    main()
