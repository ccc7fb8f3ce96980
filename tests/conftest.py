"""Shared fixtures: one real redis-server per test session (per xdist worker), the app and its clients."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import redis as redis_lib

from workshop import create_app

FACILITATOR_TOKEN = "facilitator-token-for-tests"
ORGANISER_TOKEN = "organiser-token-for-tests"


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway redis-server on a Unix socket in a temporary directory."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.exit("redis-server is not installed: run scripts/test, which installs it", returncode=3)
    sock = directory / "redis.sock"
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700", "--dir", str(directory),
         "--save", "", "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"unix://{sock}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis_lib.Redis.from_url(url).ping():
                return process, url
        except redis_lib.RedisError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of this test session's redis-server."""
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis(redis_url: str) -> redis_lib.Redis:
    """A plain client on the test Redis."""
    return redis_lib.Redis.from_url(redis_url, decode_responses=True)


def app_config(redis_url: str, data_dir: Path, **extra: Any) -> dict[str, Any]:
    """Settings for an in-process app (threading mode: Flask-SocketIO's test client needs no server)."""
    return {
        "REDIS_URL": redis_url, "ASYNC_MODE": "threading", "DATA_DIR": data_dir, "TESTING": True,
        "PUBLIC_URL": "http://workshop.test", "SECRET_KEY": "secret-key-for-tests",
        "FACILITATOR_TOKEN": FACILITATOR_TOKEN, "ORGANISER_TOKEN": ORGANISER_TOKEN,
        "MIN_RESPONSES": 1, "RESULTS_INTERVAL_MS": 30, **extra,
    }


@pytest.fixture
def app(redis_url: str, tmp_path: Path):
    """The app on the test Redis; its background task stops with the test."""
    app = create_app(app_config(redis_url, tmp_path))
    yield app
    app.extensions["workshop_broadcaster"].stop()
    # The join-code throttle counts in Redis, under the tests' shared secret: each test starts afresh.
    throttle = app.extensions["workshop_join_throttle"]
    for key in throttle.tracked():
        throttle.client.delete(key)


@pytest.fixture
def client(app):
    """An HTTP test client."""
    return app.test_client()


FACILITATOR_AUTH = {"Authorization": f"Bearer {FACILITATOR_TOKEN}"}


def write_deck(directory: Path, deck_id: str, text: str, pictures: dict[str, bytes] | None = None) -> Path:
    """Deck `deck_id` in a decks directory (made if need be): its YAML, and its pictures in its own folder."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{deck_id}.yaml").write_text(text, encoding="utf-8")
    if pictures:
        (directory / deck_id).mkdir()
        for name, data in pictures.items():
            (directory / deck_id / name).write_bytes(data)
    return directory


def decks_listing(directory: Path) -> list[str]:
    """Every entry under a decks directory (relative paths), the lock file saves share aside: a temporary file
    or a half-made copy left over would show here."""
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.name != ".decks.lock")


@pytest.fixture
def deck_app(redis_url: str, tmp_path: Path, decks_dir: Path):
    """The app on a deck test module's own decks directory (that module's `decks_dir` fixture), which its
    tests write; its background task stops with the test."""
    app = create_app(app_config(redis_url, tmp_path / "data", DECKS_DIR=decks_dir))
    yield app
    app.extensions["workshop_broadcaster"].stop()


@pytest.fixture
def api(deck_app):
    """An HTTP test client of `deck_app`."""
    return deck_app.test_client()


def key_of(url: str) -> str:
    """The `key` query parameter of a facilitator or presenter URL."""
    return parse_qs(urlparse(url).query)["key"][0]


@pytest.fixture
def started(client) -> dict[str, Any]:
    """A live session on the bundled deck, with its keys."""
    response = client.post("/api/sessions", json={"deck": "interdependence"},
                           headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    body["facilitator_key"] = key_of(body["facilitator_url"])
    body["presenter_key"] = key_of(body["presenter_url"])
    return body


@pytest.fixture
def sockets(app, started) -> Callable[..., Any]:
    """Make Socket.IO test clients: sockets('facilitator'|'presenter'|'participant', **auth overrides)."""
    socketio = app.extensions["workshop_socketio"]
    made = []

    def make(role: str, **auth: Any):
        if role == "participant":
            base: dict[str, Any] = {"code": started["code"]}
        else:
            base = {"session": started["id"], "key": started[f"{role}_key"]}
        connection = socketio.test_client(app, auth={**base, **auth})
        made.append(connection)
        return connection

    yield make
    for connection in made:
        if connection.is_connected():
            connection.disconnect()


def eventually(condition: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    """Wait until `condition()` holds, or fail naming `what`. A loaded machine does everything late: tests wait
    for the condition they mean, with room to spare, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def received(connection, name: str) -> list[Any]:
    """Payloads of one event a test client received (and drains the rest)."""
    return [message["args"][0] for message in connection.get_received() if message["name"] == name]


def wait_for(connection, name: str, predicate: Callable[[Any], bool] = lambda _: True, timeout: float = 3.0) -> Any:
    """The first payload of an event that satisfies a predicate, waiting for background emits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for payload in received(connection, name):
            if predicate(payload):
                return payload
        time.sleep(0.02)
    raise AssertionError(f"no '{name}' event matching the expectation within {timeout} s")
