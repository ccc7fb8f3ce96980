"""Settings: one typed, frozen object from WORKSHOP_* variables; every bad value named; secrets kept."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port
from workshop.commands import serve
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
    given = Settings.load({**env, "WORKSHOP_ORGANISER_TOKEN": "given-organiser-token"}).completed()
    assert given.organiser_token == "given-organiser-token" and given.facilitator_token == first.facilitator_token


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
    ("WORKSHOP_PUBLIC_URL", "http://", "must be a URL with a host"),
    ("WORKSHOP_PUBLIC_URL", "https://:5000/", "must be a URL with a host"),
    ("WORKSHOP_PUBLIC_URL", "http://host:99999", "must be a URL with a host"),
    ("WORKSHOP_SECRET_KEY", " ", "must be at least 16 characters"),
    ("WORKSHOP_SECRET_KEY", "sixteen chars ok", "no spaces"),
    ("WORKSHOP_FACILITATOR_TOKEN", "a", "must be at least 16 characters"),
    ("WORKSHOP_ORGANISER_TOKEN", "organiser\ttoken-long", "no spaces or control characters"),
    ("WORKSHOP_PORT", "\u0665\u0660\u0660\u0660", "must be a whole number"),  # Arabic-Indic 5000
    ("WORKSHOP_PORT", "5_000", "must be a whole number"),
    ("WORKSHOP_MIN_RESPONSES", "\uff13", "must be a whole number"),  # fullwidth 3
])
def test_bad_values_are_named(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        Settings.load({name: value})
    assert str(error.value).startswith(name)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("WORKSHOP_LOG_LEVEL", "INFO", "info"),
    ("WORKSHOP_LOG_LEVEL", "Warning", "warning"),
    ("WORKSHOP_PORT", " 5001 ", 5001),
    ("WORKSHOP_PUBLIC_URL", "http://192.168.1.10:5000/", "http://192.168.1.10:5000"),
    ("WORKSHOP_FACILITATOR_TOKEN", "sixteen-chars-ok", "sixteen-chars-ok"),
])
def test_good_values_are_accepted(name: str, value: str, expected: object) -> None:
    settings = Settings.load({name: value})
    assert getattr(settings, name.removeprefix("WORKSHOP_").lower()) == expected


def test_a_bad_secret_is_not_repeated_in_the_message() -> None:
    with pytest.raises(ConfigError) as error:
        Settings.load({"WORKSHOP_FACILITATOR_TOKEN": "my secret", "WORKSHOP_SECRET_KEY": "hunter2"})
    assert "my secret" not in str(error.value) and "hunter2" not in str(error.value)
    assert "WORKSHOP_FACILITATOR_TOKEN" in str(error.value) and "WORKSHOP_SECRET_KEY" in str(error.value)


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


def serve_options(monkeypatch: pytest.MonkeyPatch, args: list[str], **env: str) -> dict[str, object]:
    """What click hands `serve` for these arguments and variables (the strings as given)."""
    for name in ("WORKSHOP_HOST", "WORKSHOP_PORT", "WORKSHOP_LOG_LEVEL", "WORKSHOP_ACCESS_LOG", "WORKSHOP_PROCESSES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    params = dict(serve.make_context("serve", args).params)
    assert params.pop("worker") is None, "internal: only the supervisor starts workers"
    return params


def test_serve_options_are_parsed_by_the_settings_own_parsers(monkeypatch: pytest.MonkeyPatch) -> None:
    options = serve_options(monkeypatch, ["--port", "x", "--access-log"], WORKSHOP_ACCESS_LOG="y",
                            WORKSHOP_LOG_LEVEL="loud", WORKSHOP_PROCESSES="many")
    assert options == {"host": None, "port": "x", "processes": "many", "log_level": "loud", "access_log": "true"}
    with pytest.raises(ConfigError) as error:
        Settings.load({"WORKSHOP_MIN_RESPONSES": "0", "WORKSHOP_LOG_LEVEL": "loud"},
                      options={**options, "access_log": "y"})  # type: ignore[arg-type]
    message = str(error.value)
    assert "--port / WORKSHOP_PORT must be a whole number, not 'x'" in message
    assert "--log-level / WORKSHOP_LOG_LEVEL must be one of debug" in message
    assert "--processes / WORKSHOP_PROCESSES must be a whole number, not 'many'" in message
    # one parser for the flag: click's bool took `y`, the setting does not
    assert "--access-log / WORKSHOP_ACCESS_LOG must be true or false" in message
    assert "WORKSHOP_MIN_RESPONSES must be from 1" in message
    assert message.count("WORKSHOP_LOG_LEVEL") == 1, "an option's variable is read once, by click"


def test_the_access_log_switches_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve_options(monkeypatch, ["--no-access-log"], WORKSHOP_ACCESS_LOG="on")["access_log"] == "false"
    assert serve_options(monkeypatch, [], WORKSHOP_ACCESS_LOG="on")["access_log"] == "on"
    assert serve_options(monkeypatch, [])["access_log"] is None
    options = serve_options(monkeypatch, ["--port", "5001"], WORKSHOP_PORT="bad", WORKSHOP_ACCESS_LOG="off")
    settings = Settings.load({"WORKSHOP_PORT": "bad"}, options=options)  # type: ignore[arg-type]
    assert settings.port == 5001 and settings.access_log is False, "the command line wins over the variable"


def run_serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`workshop serve` in a subprocess, expected to refuse to start."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("WORKSHOP_")}
    environment.update({"WORKSHOP_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run([sys.executable, "-m", "workshop.cli", "serve", *args], env=environment,
                          capture_output=True, text=True, timeout=60)


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "workshop is running" not in result.stdout, result
    assert "token=" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workshop: "), result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


def test_serve_reports_bad_options_and_variables_together(tmp_path: Path) -> None:
    result = run_serve(tmp_path, "--port", "x", WORKSHOP_HOST="", WORKSHOP_LOG_LEVEL="loud",
                       WORKSHOP_ACCESS_LOG="y", WORKSHOP_MIN_RESPONSES="0", WORKSHOP_SECRET_KEY=" ")
    assert_one_line_refusal(result, "--port / WORKSHOP_PORT must be a whole number, not 'x'",
                            "--log-level / WORKSHOP_LOG_LEVEL", "--access-log / WORKSHOP_ACCESS_LOG",
                            "WORKSHOP_MIN_RESPONSES", "WORKSHOP_SECRET_KEY")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("redis", ["private", "given"])
def test_an_unusable_data_dir_is_one_line(tmp_path: Path, redis: str, redis_url: str) -> None:
    extra = {"WORKSHOP_REDIS_URL": redis_url} if redis == "given" else {}
    result = run_serve(tmp_path, "--host", "127.0.0.1", "--port", str(free_port()),
                       WORKSHOP_DATA_DIR="/proc/nope", **extra)
    assert_one_line_refusal(result, "WORKSHOP_DATA_DIR", "/proc/nope")


def test_a_host_that_cannot_be_listened_on_is_refused_before_the_links(tmp_path: Path) -> None:
    result = run_serve(tmp_path, "--port", str(free_port()), WORKSHOP_HOST="999.1.1.1")
    assert_one_line_refusal(result, "--host / WORKSHOP_HOST '999.1.1.1'")
    assert not (tmp_path / "data").exists(), "nothing is started before the address is known to work"


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_a_port_in_use_is_refused(tmp_path: Path, async_mode: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_serve(tmp_path, "--host", "127.0.0.1", "--port", str(port), WORKSHOP_ASYNC_MODE=async_mode)
    assert_one_line_refusal(result, f"port {port} on 127.0.0.1 is already in use")
