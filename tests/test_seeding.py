"""`workshop seed-decks`: a decks volume gets the bundled decks on its first start, once, and never over edits."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from workshop.commands import cli
from workshop.decks import load_decks
from workshop.seeding import MARKER, SeedError, _place, seed_decks

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "decks"


def bundled_names() -> set[str]:
    """What a seeding copies from the repository's decks: its deck files and folders, nothing hidden."""
    return {entry.name for entry in BUNDLED.iterdir()
            if not entry.name.startswith(".") and (entry.is_dir() or entry.suffix == ".yaml")}


def test_an_empty_volume_gets_every_bundled_deck_that_then_loads(tmp_path) -> None:
    target = tmp_path / "data" / "decks"  # not there yet: made
    seeded = seed_decks(BUNDLED, target)
    assert seeded.status == "seeded" and set(seeded.copied) == bundled_names()
    assert (target / MARKER).is_file()
    loaded, problems = load_decks(target)
    bundled, _ = load_decks(BUNDLED)
    assert problems == [] and set(loaded) == set(bundled)
    for deck_id, deck in bundled.items():
        assert loaded[deck_id].source == deck.source
    # Pictures came along, as plain files anyone may read and the app user may replace.
    pictures = [path for path in (target / "interdependence").iterdir()]
    assert pictures and all(stat.S_IMODE(path.stat().st_mode) == 0o644 for path in pictures)
    assert stat.S_IMODE((target / "interdependence").stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "interdependence.yaml").stat().st_mode) == 0o644
    # No staging folder or temporary file is left behind.
    hidden = {path.name for path in target.iterdir() if path.name.startswith(".")}
    assert hidden <= {MARKER, ".decks.lock"}, hidden


def test_once_seeded_edits_and_deletions_stand(tmp_path) -> None:
    target = tmp_path / "decks"
    seed_decks(BUNDLED, target)
    (target / "interdependence.yaml").write_text("title: Edited\nslides:\n  - title: Mine\n", encoding="utf-8")
    (target / "interdependence" / "two-circles.svg").unlink()
    assert seed_decks(BUNDLED, target).status == "already"
    assert (target / "interdependence.yaml").read_text(encoding="utf-8").startswith("title: Edited")
    assert not (target / "interdependence" / "two-circles.svg").exists()
    # Every deck deleted: still the facilitators' choice, not a first start.
    for deck in target.glob("*.yaml"):
        deck.unlink()
    assert seed_decks(BUNDLED, target).status == "already"
    assert list(target.glob("*.yaml")) == []


def test_a_directory_of_ones_own_decks_is_left_as_it_is(tmp_path) -> None:
    target = tmp_path / "decks"
    target.mkdir()
    (target / "ours.yaml").write_text("title: Ours\nslides:\n  - title: One\n", encoding="utf-8")
    assert seed_decks(BUNDLED, target).status == "has_decks"
    assert sorted(path.name for path in target.glob("*.yaml")) == ["ours.yaml"]
    assert (target / MARKER).exists()


def test_the_bundled_directory_itself_and_a_missing_source_change_nothing(tmp_path) -> None:
    assert seed_decks(BUNDLED, BUNDLED).status == "same"
    assert not (BUNDLED / MARKER).exists()
    assert seed_decks(tmp_path / "nowhere", tmp_path / "decks").status == "no_source"
    assert not (tmp_path / "decks").exists()


def test_hidden_files_links_and_other_files_are_not_copied(tmp_path) -> None:
    source = tmp_path / "source"
    (source / "deck-a").mkdir(parents=True)
    (source / "deck-a.yaml").write_text("title: A\nslides:\n  - title: One\n", encoding="utf-8")
    (source / "deck-a" / "picture.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (source / "deck-a" / ".secret").write_text("no", encoding="utf-8")
    (source / ".decks.lock").write_text("", encoding="utf-8")
    (source / "notes.txt").write_text("not a deck", encoding="utf-8")
    outside = tmp_path / "outside.yaml"
    outside.write_text("title: Outside\nslides:\n  - title: One\n", encoding="utf-8")
    (source / "linked.yaml").symlink_to(outside)
    (source / "deck-a" / "linked.svg").symlink_to(outside)
    target = tmp_path / "target"
    seeded = seed_decks(source, target)
    assert seeded.copied == ("deck-a", "deck-a.yaml")
    assert sorted(path.name for path in (target / "deck-a").iterdir()) == ["picture.svg"]
    assert not (target / "linked.yaml").exists() and not (target / "notes.txt").exists()


def test_a_marker_that_is_a_link_is_never_written_through(tmp_path) -> None:
    """Someone who can write the decks volume plants `.seeded` as a link to a file that does not exist yet: the
    seeding must not create that file (anywhere the server's user may write)."""
    target, elsewhere = tmp_path / "decks", tmp_path / "elsewhere"
    target.mkdir()
    elsewhere.mkdir()
    (target / MARKER).symlink_to(elsewhere / "planted")
    seed_decks(BUNDLED, target)
    assert list(elsewhere.iterdir()) == []
    assert (target / MARKER).is_symlink()


def test_a_file_that_appeared_is_never_replaced(tmp_path) -> None:
    staged, placed = tmp_path / "staged.yaml", tmp_path / "deck.yaml"
    staged.write_text("bundled", encoding="utf-8")
    placed.write_text("a facilitator's", encoding="utf-8")
    assert _place(staged, placed) is False
    assert placed.read_text(encoding="utf-8") == "a facilitator's"
    folder, there = tmp_path / "staged-folder", tmp_path / "pictures"
    folder.mkdir()
    (folder / "a.svg").write_text("bundled", encoding="utf-8")
    there.mkdir()
    (there / "a.svg").write_text("theirs", encoding="utf-8")
    assert _place(folder, there) is False and (there / "a.svg").read_text(encoding="utf-8") == "theirs"


def _seed_in_a_process(target: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results.put(seed_decks(BUNDLED, Path(target)).status)


def test_replicas_starting_together_seed_once(tmp_path) -> None:
    target = tmp_path / "shared"
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    processes = [context.Process(target=_seed_in_a_process, args=(str(target), results)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    statuses = sorted(results.get(timeout=5) for _ in processes)
    assert statuses == ["already", "already", "already", "seeded"]
    assert sorted(path.name for path in target.glob("*.yaml")) == sorted(
        name for name in bundled_names() if name.endswith(".yaml"))


def _seed_as_nobody(target: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In a child process: drop to an unprivileged user (as the image's app user is), then seed."""
    os.setgid(65534)
    os.setuid(65534)
    try:
        results.put(seed_decks(BUNDLED, Path(target)).status)
    except SeedError as error:
        results.put(f"error: {error}")


def test_a_directory_the_user_cannot_write_is_an_error_that_says_so(tmp_path) -> None:
    # The image before the fix: a decks directory owned by root, the app running as another user.
    base = Path(tempfile.mkdtemp())
    try:
        base.chmod(0o755)
        target = base / "decks"
        target.mkdir(mode=0o755)
        if os.geteuid() == 0:
            context = multiprocessing.get_context("fork")
            results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
            child = context.Process(target=_seed_as_nobody, args=(str(target), results))
            child.start()
            child.join(timeout=30)
            outcome = results.get(timeout=5)
        else:
            target.chmod(0o555)
            try:
                seed_decks(BUNDLED, target)
                outcome = "seeded"
            except SeedError as error:
                outcome = f"error: {error}"
            target.chmod(0o755)
        assert outcome.startswith("error:") and "cannot be written by this user" in outcome, outcome
        assert list(target.iterdir()) == []
    finally:
        shutil.rmtree(base)


def test_a_file_where_the_directory_should_be_is_an_error(tmp_path) -> None:
    (tmp_path / "decks").write_text("not a folder", encoding="utf-8")
    with pytest.raises(SeedError):
        seed_decks(BUNDLED, tmp_path / "decks")
    with pytest.raises(SeedError, match="cannot create"):
        seed_decks(BUNDLED, tmp_path / "decks" / "inner")


def test_the_command_seeds_the_configured_directory_and_says_what_it_did(tmp_path) -> None:
    runner = CliRunner()
    env = {"WORKSHOP_DECKS_DIR": str(tmp_path / "decks"), "WORKSHOP_DATA_DIR": str(tmp_path / "data")}
    first = runner.invoke(cli, ["seed-decks"], env=env)
    assert first.exit_code == 0, first.output
    assert "copied" in first.output and "interdependence.yaml" in first.output
    again = runner.invoke(cli, ["seed-decks"], env=env)
    assert again.exit_code == 0 and "seeded before" in again.output
    other = tmp_path / "other"
    (other / "x").mkdir(parents=True)
    (other / "x.yaml").write_text("title: X\nslides:\n  - title: One\n", encoding="utf-8")
    chosen = runner.invoke(cli, ["seed-decks", "--from", str(other)], env={**env, "WORKSHOP_DECKS_DIR": str(
        tmp_path / "third")})
    assert chosen.exit_code == 0 and (tmp_path / "third" / "x.yaml").exists()
    (tmp_path / "blocked").write_text("", encoding="utf-8")
    failed = runner.invoke(cli, ["seed-decks"], env={**env, "WORKSHOP_DECKS_DIR": str(tmp_path / "blocked")})
    assert failed.exit_code == 1 and "blocked" in failed.output
