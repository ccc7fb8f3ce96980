"""Settings: one typed, frozen object from WORKSHOP_* variables; every bad value named; secrets kept."""

from __future__ import annotations

import dataclasses
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from workshop.config import PROJECT_ROOT, ConfigError, Settings, described_fields, env_name, settings_table

VARIABLES = {env_name(spec) for spec in described_fields()}


def test_loading_writes_no_file_and_probes_no_network(tmp_path: Path) -> None:
    settings = Settings.load({"WORKSHOP_DATA_DIR": str(tmp_path)})
    assert settings.public_url is None and settings.facilitator_token is None
    assert list(tmp_path.iterdir()) == [], "loading settings must not write the data dir"
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    env = {"WORKSHOP_DATA_DIR": str(tmp_path), "WORKSHOP_PUBLIC_URL": "http://h:1"}
    first = Settings.load(env).completed()
    second = Settings.load(env).completed()
    for name in ("secret_key", "facilitator_token", "organiser_token"):
        assert len(getattr(first, name)) >= 40 and getattr(first, name) == getattr(second, name)
    assert first.facilitator_token != first.organiser_token
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    given = Settings.load({**env, "WORKSHOP_ORGANISER_TOKEN": "given"}).completed()
    assert given.organiser_token == "given" and given.facilitator_token == first.facilitator_token


def test_defaults_follow_the_contract(tmp_path: Path) -> None:
    settings = Settings.load({"WORKSHOP_DATA_DIR": str(tmp_path)})
    assert settings.min_responses == 3 and settings.retention_days == 30 and settings.auto_end_hours == 24
    assert settings.redis_url is None and settings.async_mode == "eventlet" and settings.port == 5000
    assert settings.decks_dir == PROJECT_ROOT / "decks" and settings.access_log is False
    assert re.fullmatch(r"http://[\d.]+:5000", settings.completed().public_url or "")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("WORKSHOP_MIN_RESPONSES", "three", "must be a whole number"),
    ("WORKSHOP_RETENTION_DAYS", "0", "must be from 1 to 3650"),
    ("WORKSHOP_ASYNC_MODE", "asyncio", "must be one of eventlet, gevent"),
    ("WORKSHOP_PORT", "70000", "must be from 1 to 65535"),
    ("WORKSHOP_REDIS_URL", "localhost:6379", "must be a URL starting with redis://"),
    ("WORKSHOP_PUBLIC_URL", "ftp://x", "must be a URL starting with http://"),
    ("WORKSHOP_ACCESS_LOG", "sometimes", "must be true or false"),
    ("WORKSHOP_LOG_LEVEL", "loud", "must be one of debug"),
])
def test_bad_values_are_named(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        Settings.load({name: value})
    assert str(error.value).startswith(name)


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        Settings.load({"WORKSHOP_PORT": "x", "WORKSHOP_MIN_RESPONSES": "0", "WORKSHOP_EVENTS_PER_SECOND": "-1"})
    for name in ("WORKSHOP_PORT", "WORKSHOP_MIN_RESPONSES", "WORKSHOP_EVENTS_PER_SECOND"):
        assert name in str(error.value)


def test_a_bad_port_breaks_serve_with_a_clear_error_but_not_check_deck(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "WORKSHOP_PORT": "not-a-port", "WORKSHOP_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "workshop.cli"]
    checked = subprocess.run([*command, "check-deck", str(PROJECT_ROOT / "decks" / "interdependence.yaml")],
                             env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    served = subprocess.run([*command, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert served.returncode == 2
    assert "WORKSHOP_PORT" in served.stderr and "must be a whole number, not 'not-a-port'" in served.stderr
    assert not (tmp_path / "redis").exists(), "nothing is started before the settings are valid"


def test_the_readme_settings_table_is_generated_from_the_descriptions() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert settings_table() in readme, "README.md's settings table drifted: paste `workshop settings` into it"


def test_every_variable_the_code_reads_is_a_described_setting() -> None:
    source = "\n".join(path.read_text() for path in (PROJECT_ROOT / "workshop").glob("*.py"))
    literal = set(re.findall(r"WORKSHOP_[A-Z_]+", source)) - {"WORKSHOP_"}
    assert literal <= VARIABLES, literal - VARIABLES
    assert "WORKSHOP_HOST" in VARIABLES and "WORKSHOP_MESSAGE_QUEUE" in VARIABLES


def test_overrides_must_name_real_settings() -> None:
    with pytest.raises(ConfigError, match="unknown setting 'NO_SUCH'"):
        Settings.load({}, {"NO_SUCH": 1})
