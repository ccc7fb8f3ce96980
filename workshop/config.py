"""Settings from `WORKSHOP_*` variables, with secrets generated once and kept in the data directory."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import netaddr

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_NAMES = ("SECRET_KEY", "FACILITATOR_TOKEN", "ORGANISER_TOKEN")
ASYNC_MODES = ("eventlet", "gevent", "threading")


# Every variable the server reads, with what it means; README.md, compose.yaml and the Dockerfile use these.
VARIABLES: dict[str, str] = {
    "WORKSHOP_REDIS_URL": "Redis to use; unset: `workshop serve` starts its own, append-only, in the data dir",
    "WORKSHOP_DATA_DIR": "where generated secrets and the private Redis live (default ./instance)",
    "WORKSHOP_SECRET_KEY": "signs cookies (generated once, kept in the data dir)",
    "WORKSHOP_FACILITATOR_TOKEN": "lets a facilitator list decks and start sessions (generated, printed at start)",
    "WORKSHOP_ORGANISER_TOKEN": "lets an organiser list sessions and download results (generated, printed)",
    "WORKSHOP_PUBLIC_URL": "the address phones use (default: this machine's LAN address and port)",
    "WORKSHOP_DECKS_DIR": "the decks directory (default: the bundled decks/)",
    "WORKSHOP_MIN_RESPONSES": "answers a poll needs before its results are shown or exported (default 3)",
    "WORKSHOP_RETENTION_DAYS": "days an ended session's aggregates are kept (default 30)",
    "WORKSHOP_AUTO_END_HOURS": "a session still live this many hours after it started ends by itself (default 24)",
    "WORKSHOP_ASYNC_MODE": "eventlet (default) or gevent",
    "WORKSHOP_HOST": "address to listen on (default 0.0.0.0)",
    "WORKSHOP_PORT": "port to listen on (default 5000)",
    "WORKSHOP_MAX_CONNECTIONS": "simultaneous connections one process accepts (default 10000)",
    "WORKSHOP_MAX_MESSAGE_BYTES": "largest Socket.IO message accepted (default 16384)",
    "WORKSHOP_EVENTS_PER_SECOND": "events one connection may send per second, bursts of twice that (default 10)",
    "WORKSHOP_RESULTS_INTERVAL_MS": "how often live results are sent per poll (default 250)",
    "WORKSHOP_MESSAGE_QUEUE": "Redis URL of the Socket.IO message queue when running several processes",
}


class ConfigError(ValueError):
    """A setting with a value the server cannot use."""


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(f"WORKSHOP_{name}")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ConfigError(f"WORKSHOP_{name} must be a whole number, not {raw!r}") from error
    if not low <= value <= high:
        raise ConfigError(f"WORKSHOP_{name} must be from {low} to {high}, not {value}")
    return value


def load_secrets(data_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Secrets from the environment, else from `secrets.json` in the data dir, generated on first use."""
    path = data_dir / "secrets.json"
    kept: dict[str, str] = {}
    if path.exists():
        try:
            kept = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path} is not readable JSON; delete it to generate new secrets") from error
    changed = False
    for name in SECRET_NAMES:
        if not kept.get(name):
            kept[name] = secrets.token_urlsafe(32)
            changed = True
    if changed:
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(kept, indent=2))
        temporary.chmod(0o600)
        temporary.replace(path)
    return {name: environ.get(f"WORKSHOP_{name}") or kept[name] for name in SECRET_NAMES}


def from_environment(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every setting the app reads, as Flask config keys prefixed `WORKSHOP_`."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("DATA_DIR") or environ.get("WORKSHOP_DATA_DIR") or "instance").resolve()
    mode = overrides.get("ASYNC_MODE") or environ.get("WORKSHOP_ASYNC_MODE") or "eventlet"
    if mode not in ASYNC_MODES:
        raise ConfigError(f"WORKSHOP_ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}, not {mode!r}")
    port = int(overrides.get("PORT") or environ.get("WORKSHOP_PORT") or 5000)
    settings: dict[str, Any] = {
        "DATA_DIR": data_dir,
        "REDIS_URL": environ.get("WORKSHOP_REDIS_URL") or None,
        "PUBLIC_URL": (environ.get("WORKSHOP_PUBLIC_URL") or "").rstrip("/") or None,
        "DECKS_DIR": Path(environ.get("WORKSHOP_DECKS_DIR") or PROJECT_ROOT / "decks").resolve(),
        "MIN_RESPONSES": _int(environ, "MIN_RESPONSES", 3, 1, 1000),
        "RETENTION_DAYS": _int(environ, "RETENTION_DAYS", 30, 1, 3650),
        "AUTO_END_HOURS": _int(environ, "AUTO_END_HOURS", 24, 1, 24 * 30),
        "ASYNC_MODE": mode,
        "PORT": port,
        # eventlet's WSGI server holds one slot per open WebSocket; its default of 1,024 hangs phone 1,025.
        "MAX_CONNECTIONS": _int(environ, "MAX_CONNECTIONS", 10000, 16, 1_000_000),
        "MAX_MESSAGE_BYTES": _int(environ, "MAX_MESSAGE_BYTES", 16 * 1024, 1024, 1024 * 1024),
        "EVENTS_PER_SECOND": _int(environ, "EVENTS_PER_SECOND", 10, 1, 1000),
        "MESSAGE_QUEUE": environ.get("WORKSHOP_MESSAGE_QUEUE") or None,
        "RESULTS_INTERVAL_MS": _int(environ, "RESULTS_INTERVAL_MS", 250, 20, 5000),
    }
    settings.update({key: value for key, value in overrides.items() if key not in settings or value is not None})
    if not all(settings.get(name) for name in SECRET_NAMES):
        for name, value in load_secrets(settings["DATA_DIR"], environ).items():
            settings.setdefault(name, value)
            settings[name] = settings.get(name) or value
    if not settings["PUBLIC_URL"]:
        settings["PUBLIC_URL"] = f"http://{netaddr.lan_address()}:{settings['PORT']}"
    return settings
