"""The servers under test, each a subprocess on 127.0.0.1 with a fresh redis-server of its own."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import redis

from bench.procs import command_name, tree
from tests.servers import call_api, free_port, stop_process

FACILITATOR_TOKEN = "facilitator-token-for-bench"
ORGANISER_TOKEN = "organiser-token-for-bench"
POLL = "warmup_word"  # the bundled deck's first poll (single choice, results visible); naive serves the same id
SERVERS = ("bare", "naive", "ours1", "ours2", "ours4")


@contextmanager
def fresh_redis(directory: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A throwaway redis-server on a Unix socket (no persistence), so no two rows share state."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    sock = directory / "redis.sock"
    process = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
                                "--dir", str(directory), "--save", "", "--appendonly", "no", "--loglevel", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"unix://{sock}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(url).ping():
                    break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield process, url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Session:
    """What the load generator needs to join and steer a session."""

    id: str
    code: str
    facilitator_key: str
    presenter_key: str


@dataclass
class Target:
    """A running server: where it listens, its process tree, its Redis."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    redis_pid: int | None
    redis_url: str | None
    log: Path

    def groups(self) -> dict[str, list[int]]:
        """The server's processes now, as app, haproxy and redis."""
        groups: dict[str, list[int]] = {"app": [], "haproxy": [], "redis": []}
        for pid in tree(self.process.pid):
            name = command_name(pid)
            group = "haproxy" if name.startswith("haproxy") else "redis" if name.startswith(
                ("redis", "valkey")) else "app"
            groups[group].append(pid)
        if self.redis_pid is not None:
            groups["redis"].append(self.redis_pid)
        return groups

    def api(self, method: str, path: str, token: str = FACILITATOR_TOKEN, body: object = None) -> Any:
        """Call the JSON API."""
        return call_api(self.url, method, path, body, token, timeout=30)

    def start_session(self) -> Session | None:
        """A live session on the bundled deck (None for bare, which has no sessions)."""
        if self.name == "bare":
            return None
        started = self.api("POST", "/api/sessions", body={"deck": "interdependence"})

        def key(url: str) -> str:
            return parse_qs(urlparse(url).query)["key"][0]

        return Session(started["id"], started["code"], key(started["facilitator_url"]), key(started["presenter_url"]))

    def stored_total(self, session: Session) -> int:
        """How many answers the server kept, from the organiser's results.json."""
        document = self.api("GET", f"/api/sessions/{session.id}/results.json", token=ORGANISER_TOKEN)
        return int(next(poll for poll in document["polls"] if poll["id"] == POLL)["total"])

    def stored_now(self, session: Session) -> int:
        """How many answers are stored, read without side effects: workshop's results.json releases the
        pending batch itself, which would change what the screens are sent next."""
        if self.name == "naive":
            return self.stored_total(session)
        # workshop's key schema (docs/architecture.md): the poll hash's `total` counts distinct answers.
        return int(redis.Redis.from_url(str(self.redis_url)).hget(f"ws:{{{session.id}}}:poll:{POLL}", "total") or 0)

    def publishes(self) -> int:
        """PUBLISH calls Redis has served (the Socket.IO message queue's traffic)."""
        if self.redis_url is None:
            return 0
        stats = redis.Redis.from_url(self.redis_url).info("commandstats")
        return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("publish", "spublish"))


def command(name: str, port: int, redis_url: str | None) -> list[str]:
    """How to start a server."""
    python = [sys.executable, "-m"]
    if name == "bare":
        return [*python, "bench.baselines.bare", "--port", str(port)]
    if name == "naive":
        return [*python, "bench.baselines.naive", "--port", str(port), "--redis", str(redis_url)]
    processes = int(name.removeprefix("ours"))
    # ours1 is plain `workshop serve` (today's behaviour); --processes only where it means more than one.
    extra = ["--processes", str(processes)] if processes > 1 else []
    return [*python, "workshop.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *extra]


def environment(url: str, redis_url: str | None, data_dir: Path) -> dict[str, str]:
    """workshop's settings for the bench: k = 1 (so the last answers are released too) and the join limits
    lifted (every phone joins from 127.0.0.1), as bench/answers.py does."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKSHOP_")}
    env.update(WORKSHOP_DATA_DIR=str(data_dir), WORKSHOP_PUBLIC_URL=url, WORKSHOP_ASYNC_MODE="eventlet",
               WORKSHOP_FACILITATOR_TOKEN=FACILITATOR_TOKEN, WORKSHOP_ORGANISER_TOKEN=ORGANISER_TOKEN,
               WORKSHOP_MIN_RESPONSES="1", WORKSHOP_JOINS_PER_MINUTE_PER_ADDRESS="100000",
               WORKSHOP_JOINS_PER_MINUTE_PER_SESSION="1000000", WORKSHOP_LOG_LEVEL="warning")
    if redis_url:
        env["WORKSHOP_REDIS_URL"] = redis_url
    return env


def wait_ready(target: Target, processes: int, timeout: float = 60) -> None:
    """Until /healthz answers and, behind HAProxy, every app process has started."""
    deadline = time.monotonic() + timeout
    while True:
        if target.process.poll() is not None:
            raise RuntimeError(f"{target.name} exited:\n{target.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(target.url + "/healthz", timeout=1) as response:
                # A supervisor and its app processes: HAProxy must not pile every phone on the first one up.
                if response.status == 200 and (processes == 1 or len(target.groups()["app"]) > processes):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{target.name} not ready after {timeout} s:\n{target.log.read_text()[-3000:]}")
        time.sleep(0.1)
    if processes > 1:
        time.sleep(2)  # HAProxy's health checks (every second) see every process up


@contextmanager
def launched(name: str, work: Path) -> Iterator[Target]:
    """Start a server (and its fresh Redis) in `work`; stop both afterwards."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with fresh_redis(work) if name != "bare" else _no_redis() as (redis_process, redis_url):
        log = work / "server.log"
        with log.open("wb") as output:
            # Its own session, so its whole tree can be found, and stopped, by its id.
            process = subprocess.Popen(command(name, port, redis_url), env=environment(url, redis_url, work),
                                       stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        target = Target(name, url, process, redis_process.pid if redis_process else None, redis_url, log)
        started: dict[int, str] = {}
        try:
            wait_ready(target, int(name.removeprefix("ours")) if name.startswith("ours") else 1)
            started = {pid: command_name(pid) for pid in tree(process.pid) if pid != process.pid}
            yield target
        finally:
            stop_process(process)
            for pid, name_then in started.items():  # whatever of the tree outlived its supervisor
                if command_name(pid) == name_then:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)


@contextmanager
def _no_redis() -> Iterator[tuple[None, None]]:
    yield None, None
