"""Configuration: WORKSHOP_* variables, secrets generated once and kept."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from workshop.config import PROJECT_ROOT, VARIABLES, ConfigError, from_environment


def test_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    env = {"WORKSHOP_DATA_DIR": str(tmp_path), "WORKSHOP_PUBLIC_URL": "http://h:1"}
    first = from_environment(env)
    second = from_environment(env)
    for name in ("SECRET_KEY", "FACILITATOR_TOKEN", "ORGANISER_TOKEN"):
        assert len(first[name]) >= 40 and first[name] == second[name]
    assert first["FACILITATOR_TOKEN"] != first["ORGANISER_TOKEN"]
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert from_environment({**env, "WORKSHOP_ORGANISER_TOKEN": "given"})["ORGANISER_TOKEN"] == "given"


def test_defaults_follow_the_contract(tmp_path: Path) -> None:
    settings = from_environment({"WORKSHOP_DATA_DIR": str(tmp_path)})
    assert settings["MIN_RESPONSES"] == 3 and settings["RETENTION_DAYS"] == 30
    assert settings["REDIS_URL"] is None and settings["ASYNC_MODE"] == "eventlet"
    assert settings["DECKS_DIR"] == PROJECT_ROOT / "decks"
    assert re.fullmatch(r"http://[\d.]+:5000", settings["PUBLIC_URL"])


@pytest.mark.parametrize(("name", "value", "message"), [
    ("WORKSHOP_MIN_RESPONSES", "three", "must be a whole number"),
    ("WORKSHOP_RETENTION_DAYS", "0", "must be from 1 to 3650"),
    ("WORKSHOP_ASYNC_MODE", "asyncio", "must be one of eventlet, gevent"),
])
def test_bad_values_are_named(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        from_environment({"WORKSHOP_DATA_DIR": str(tmp_path), name: value})
    assert name in str(error.value) or "ASYNC_MODE" in str(error.value)


def test_every_variable_the_code_reads_is_documented() -> None:
    source = "\n".join(path.read_text() for path in (PROJECT_ROOT / "workshop").glob("*.py"))
    literal = set(re.findall(r"WORKSHOP_[A-Z_]+", source))
    built = {f"WORKSHOP_{name}" for name in re.findall(r'_int\(environ, "([A-Z_]+)"', source)}
    assert (literal | built) <= set(VARIABLES), (literal | built) - set(VARIABLES)
