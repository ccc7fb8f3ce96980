"""Every `WORKSHOP_*` setting in one typed, frozen object; loading it validates, and touches no file or network."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar, cast
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASYNC_MODES = ("eventlet", "gevent", "threading")
LOG_LEVELS = ("debug", "info", "warning", "error")
SECRET_MIN_LENGTH = 16
AsyncMode = Literal["eventlet", "gevent", "threading"]
Parser = Callable[[str], object]
T = TypeVar("T")


class ConfigError(ValueError):
    """One or more settings with values the server cannot use; the message names each."""


def _whole(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        # ASCII digits only: int() also takes '5_000' and digits of other scripts (Arabic-Indic, ...).
        if not re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
            raise ValueError(f"must be a whole number, not {raw!r}")
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}, not {value}")
        return value

    return parse


def _choice(*choices: str, fold_case: bool = False) -> Parser:
    def parse(raw: str) -> str:
        value = raw.lower() if fold_case else raw
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {raw!r}")
        return value

    return parse


def _url(*schemes: str, host: bool = False) -> Parser:
    def parse(raw: str) -> str:
        if not raw.startswith(tuple(f"{scheme}://" for scheme in schemes)):
            raise ValueError(f"must be a URL starting with {' or '.join(f'{s}://' for s in schemes)}, not {raw!r}")
        if host:
            try:
                parts = urlsplit(raw)
                parts.port  # noqa: B018  # raises ValueError for a port that is not one
            except ValueError:
                parts = None
            if parts is None or not parts.hostname:
                raise ValueError(f"must be a URL with a host (and a valid port, if any), like "
                                 f"http://192.168.1.10:5000, not {raw!r}")
        return raw.rstrip("/")

    return parse


def _flag(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false (1/0, yes/no, on/off), not {raw!r}")


def _secret(raw: str) -> str:
    # The value itself is never repeated in the message: it is a secret, or meant to be one.
    if len(raw) < SECRET_MIN_LENGTH or not raw.isprintable() or any(char.isspace() for char in raw):
        raise ValueError(f"must be at least {SECRET_MIN_LENGTH} characters with no spaces or control "
                         f"characters (the value given has {len(raw)})")
    return raw


def _path(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


def _text(raw: str) -> str:
    return raw


def setting(default: T, help: str, parse: Parser = _text, *, shown_default: str = "",
            option: bool = False) -> T:
    """A field read from `WORKSHOP_<NAME>`: its description (the README's table), parser and default."""
    return field(default=default, metadata={"help": help, "parse": parse, "option": option,
                                                    "shown_default": shown_default})


@dataclass(frozen=True)
class Settings:
    """The server's settings. Fields with a description come from `WORKSHOP_<FIELD NAME>`."""

    redis_url: str | None = setting(
        None, "Redis to use; unset, `workshop serve` starts its own (append-only) in the data dir",
        _url("redis", "rediss", "unix"), shown_default="unset")
    data_dir: Path = setting(
        Path("instance"), "where generated secrets and the private Redis live", _path, shown_default="`./instance`")
    secret_key: str | None = setting(
        None, "signs cookies", _secret, shown_default="generated once, kept in the data dir")
    facilitator_token: str | None = setting(
        None, "lets a facilitator list decks and start sessions", _secret,
        shown_default="generated once, kept in the data dir, printed at start")
    organiser_token: str | None = setting(
        None, "lets an organiser list sessions and download results", _secret,
        shown_default="generated once, kept in the data dir, printed at start")
    public_url: str | None = setting(
        None, "the address phones open (the QR code's target)", _url("http", "https", host=True),
        shown_default="this machine's LAN address and port")
    decks_dir: Path = setting(
        PROJECT_ROOT / "decks", "the decks directory", _path, shown_default="the bundled `decks/`")
    decks_min_free_mb: int = setting(
        256, "free disk space, in MB, that deck and picture saves must leave on the decks directory's disk (Redis and "
             "the exports need room too): a save that would go below it is refused", _whole(0, 10_000_000))
    translations_dir: Path = setting(
        PROJECT_ROOT / "translations", "the interface's translations (`<lang>/LC_MESSAGES/messages.po`, compiled in "
                                       "memory when first needed)", _path, shown_default="the bundled `translations/`")
    min_responses: int = setting(
        3, "answers a poll needs before its results are shown or exported", _whole(1, 1000))
    retention_days: int = setting(
        30, "days an ended session's aggregates are kept", _whole(1, 3650))
    auto_end_hours: int = setting(
        24, "a session still live this long after it started ends by itself; every per-person key expires "
            "then too, even while the server is down", _whole(1, 24 * 30))
    idle_end_hours: int = setting(
        4, "a live session in which the facilitator did nothing (no step, poll or screen change, no console "
           "opened) for this long ends by itself; 0: never", _whole(0, 24 * 30))
    async_mode: AsyncMode = setting(
        "eventlet", "eventlet, or gevent (the way off eventlet, which is bug-fix-only upstream)",
        _choice(*ASYNC_MODES))
    host: str = setting("0.0.0.0", "address to listen on", option=True)
    port: int = setting(5000, "port to listen on", _whole(1, 65535), option=True)
    # eventlet's WSGI server holds one slot per open WebSocket; its default of 1,024 hangs phone 1,025.
    max_connections: int = setting(
        10000, "simultaneous connections one process accepts", _whole(16, 1_000_000))
    max_message_bytes: int = setting(
        16 * 1024, "largest Socket.IO message accepted, in bytes", _whole(1024, 1024 * 1024))
    events_per_second: int = setting(
        10, "events one connection may send per second, in bursts of twice that", _whole(1, 1000))
    results_interval_ms: int = setting(
        250, "live results are sent at most this often per poll, in milliseconds", _whole(20, 5000))
    joins_per_minute_per_address: int = setting(
        300, "new participants one network address may add to a session per minute (a venue shares one NAT "
             "address; scripts joining hundreds a second are refused)", _whole(1, 100_000))
    joins_per_minute_per_session: int = setting(
        1200, "new participants a session takes per minute from all addresses together", _whole(1, 1_000_000))
    connections_per_address: int = setting(
        2000, "simultaneous connections one network address may hold (a venue shares one NAT address; this "
              "machine's own loopback is exempt and keeps a reserve, so the facilitator always gets in)",
        _whole(1, 1_000_000))
    request_timeout_seconds: int = setting(
        10, "seconds a client may leave a request or an idle connection silent before it is dropped",
        _whole(1, 3600))
    processes: int = setting(
        1, "app processes serving the room behind a load balancer that `serve` starts (more than 1 needs "
           "HAProxy, Debian's `haproxy` package)", _whole(1, 64), option=True)
    proxy_hops: int = setting(
        0, "reverse proxies in front of the app whose `X-Forwarded-For` is trusted for the client's address "
           "(the processes `serve --processes` starts, compose and Kubernetes set 1)", _whole(0, 5))
    address_key: str | None = setting(
        None, "key that hashes client addresses for the join limits kept in Redis; never written to disk, so "
              "Redis's files cannot be matched to addresses (`serve --processes` gives its processes one)", _secret,
        shown_default="random at each start")
    message_queue: str | None = setting(
        None, "Redis URL of the Socket.IO message queue when several processes serve one room",
        _url("redis", "rediss", "unix"), shown_default="unset")
    log_level: str = setting(
        "info", "debug, info, warning or error", _choice(*LOG_LEVELS, fold_case=True), option=True)
    access_log: bool = setting(
        False, "log one line per HTTP request (no query strings, addresses or user agents)", _flag,
        shown_default="off", option=True)
    testing: bool = False

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None,
             overrides: Mapping[str, object] | None = None,
             options: Mapping[str, str | None] | None = None) -> Settings:
        """Read every `WORKSHOP_*` variable, then apply overrides; raise ConfigError naming every bad value.

        `options` are the raw strings of command-line options (click has already read their variables), keyed
        by setting; they are parsed here, by the setting's own parser, so that every bad value is named in one
        message whether it came from an option or a variable.
        """
        environ = os.environ if environ is None else environ
        options = options or {}
        values: dict[str, object] = {}
        problems: list[str] = []
        for spec in described_fields():
            if spec.name in options:
                raw, label = options[spec.name], f"{option_name(spec.name)} / {env_name(spec)}"
            else:
                raw, label = environ.get(env_name(spec)), env_name(spec)
            if raw is None or raw == "":
                continue
            try:
                values[spec.name] = spec.metadata["parse"](raw)
            except ValueError as error:
                problems.append(f"{label} {error}")
        known = {spec.name for spec in dataclasses.fields(cls)}
        for name in options:
            if name not in known:
                problems.append(f"unknown option {name!r}")
        for name, value in (overrides or {}).items():
            if name.lower() not in known:
                problems.append(f"unknown setting {name!r}")
            elif value is not None:
                values[name.lower()] = value
        if problems:
            raise ConfigError("; ".join(problems))
        values.setdefault("data_dir", Path("instance").resolve())
        return cls(**values)  # type: ignore[arg-type]

    def completed(self) -> Settings:
        """Fill in what only a running server needs: kept secrets (written once) and the LAN address."""
        from . import netaddr

        kept = load_secrets(self.data_dir) if not all(getattr(self, name) for name in SECRET_FIELDS) else {}
        return dataclasses.replace(
            self, public_url=self.public_url or f"http://{netaddr.lan_address()}:{self.port}",
            secret_key=self.secret_key or kept.get("secret_key"),
            facilitator_token=self.facilitator_token or kept.get("facilitator_token"),
            organiser_token=self.organiser_token or kept.get("organiser_token"))

    def secret(self, name: str) -> str:
        """A secret that `completed()` guarantees."""
        value = getattr(self, name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{env_name_of(name)} is not set")
        return value


SECRET_FIELDS = ("secret_key", "facilitator_token", "organiser_token")


def described_fields() -> list[dataclasses.Field[object]]:
    """The settings that come from the environment, in the README's order."""
    return [spec for spec in dataclasses.fields(Settings) if "help" in spec.metadata]


def env_name(spec: dataclasses.Field[object]) -> str:
    """The environment variable of a setting."""
    return env_name_of(spec.name)


def env_name_of(name: str) -> str:
    """`port` -> `WORKSHOP_PORT`."""
    return f"WORKSHOP_{name.upper()}"


def option_name(name: str) -> str:
    """`log_level` -> `--log-level`."""
    return f"--{name.replace('_', '-')}"


def settings_table() -> str:
    """The README's settings table, generated from the descriptions above."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for spec in described_fields():
        default = spec.metadata["shown_default"] or f"`{str(spec.default).lower()}`"
        option = f" (also `{option_name(spec.name)}`)" if spec.metadata["option"] else ""
        lines.append(f"| `{env_name(spec)}` | {default} | {spec.metadata['help']}{option} |")
    return "\n".join(lines) + "\n"


def load_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets kept in `secrets.json` in the data dir, generated and written (mode 600) on first use."""
    path = data_dir / "secrets.json"
    kept: dict[str, str] = {}  # the file's keys are upper case: SECRET_KEY, FACILITATOR_TOKEN, ...
    if path.exists():
        try:
            kept = cast(dict[str, str], json.loads(path.read_text()))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path} is not readable JSON; delete it to generate new secrets") from error
    if not all(kept.get(name.upper()) for name in SECRET_FIELDS):
        for name in SECRET_FIELDS:
            kept[name.upper()] = kept.get(name.upper()) or secrets.token_urlsafe(32)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(kept, indent=2))
            temporary.chmod(0o600)
            temporary.replace(path)
        except OSError as error:
            raise ConfigError(f"WORKSHOP_DATA_DIR: cannot keep the generated secrets in {data_dir}: "
                              f"{error.strerror or error}") from error
    return {name: kept[name.upper()] for name in SECRET_FIELDS}
