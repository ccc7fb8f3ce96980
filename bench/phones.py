"""The load generator: phones as python-socketio AsyncClients over WebSocket, negotiating permessage-deflate as
browsers do, in worker processes that bench.scale drives over a pipe (`connect`, `burst`, `close`)."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import socketio

CONNECT_BATCH = 50  # phones connecting at once, per worker: a venue's phones arrive over seconds, not at once
OPTIONS = 6  # the bundled deck's warm-up poll has six options


def raise_fd_limit() -> None:
    """Every phone is a socket: lift the soft limit on open files to the hard one."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Watch:
    """One client's view of the burst: event frames received while counting, and when it first held the final
    tally (a `results_updated` of the poll with every answer in it)."""

    def __init__(self, poll: str, keep_times: bool = False, tallied: Callable[[], None] = lambda: None):
        self.poll = poll
        self.keep_times = keep_times  # the presenter's results ticks; phones would hold N of them under naive
        self.tallied = tallied
        self.counting = False
        self.expected: int | None = None
        self.frames = 0
        self.results_at: list[float] = []
        self.tally_at: float | None = None

    def start(self, expected: int | None) -> None:
        """Count from now on, waiting for a tally of `expected` answers (None: no tally to wait for)."""
        self.expected, self.frames, self.results_at, self.tally_at = expected, 0, [], None
        self.counting = True

    def __call__(self, event: str, *args: Any) -> None:
        """Python-socketio's catch-all handler: every event frame the client receives."""
        if not self.counting:
            return
        self.frames += 1
        payload = args[0] if args else None
        if event != "results_updated" or not isinstance(payload, dict) or payload.get("poll") != self.poll:
            return
        now = time.monotonic()
        if self.keep_times:
            self.results_at.append(now)
        if self.tally_at is None and payload.get("total") == self.expected:
            self.tally_at = now
            self.tallied()


def client(watch: Watch, deflate: bool = True) -> socketio.AsyncClient:
    """A phone's Socket.IO client: no reconnection (a drop is a failure here), deflate offered as browsers do."""
    phone = socketio.AsyncClient(reconnection=False, websocket_extra_options={"compress": 15 if deflate else 0})
    phone.on("*", watch)
    return phone


async def connect(phone: socketio.AsyncClient, url: str, auth: dict[str, str]) -> None:
    """Connect over WebSocket only (browsers upgrade at once; long-polling is not what is measured)."""
    await phone.connect(url, auth=auth, transports=["websocket"], wait_timeout=60)


def deflating(phone: socketio.AsyncClient) -> bool:
    """Whether the server accepted permessage-deflate on this phone's WebSocket (aiohttp's negotiated value)."""
    ws = getattr(phone.eio, "ws", None)
    return bool(phone.connected and ws is not None and ws.compress)


class Crowd:
    """The phones of one worker process."""

    def __init__(self, url: str, auth: dict[str, str], phones: int, first: int, poll: str, deflate: bool):
        self.url, self.auth, self.first, self.poll = url, auth, first, poll
        self.watches = [Watch(poll, tallied=self._tallied) for _ in range(phones)]
        self.phones = [client(watch, deflate) for watch in self.watches]
        self.held = self.answering = 0
        self.all_held = asyncio.Event()

    def _tallied(self) -> None:
        self.held += 1
        if self.held == self.answering:
            self.all_held.set()

    async def serve(self, pipe: Connection) -> None:
        """Run commands from bench.scale until `close`."""
        loop = asyncio.get_running_loop()
        pipe.send("ready")
        while True:
            command, *args = await loop.run_in_executor(None, pipe.recv)
            if command == "close":
                await self.close()
                pipe.send(None)
                return
            pipe.send(await getattr(self, command)(*args))

    async def connect(self) -> dict[str, Any]:
        """Connect every phone, a batch at a time; report failures and how many negotiated deflate."""
        failures: Counter[str] = Counter()

        async def one(phone: socketio.AsyncClient) -> None:
            try:
                await connect(phone, self.url, dict(self.auth))
            except Exception as error:
                failures[f"{type(error).__name__}: {error}"[:80]] += 1

        for start in range(0, len(self.phones), CONNECT_BATCH):
            await asyncio.gather(*(one(phone) for phone in self.phones[start:start + CONNECT_BATCH]))
        return {"done": time.monotonic(), "connected": sum(phone.connected for phone in self.phones),
                "deflate": sum(deflating(phone) for phone in self.phones), "failures": dict(failures)}

    async def burst(self, at: float, expected: int | None, timeout: float) -> dict[str, Any]:
        """At monotonic time `at` every connected phone answers; then wait until each holds a tally of
        `expected` answers (or the timeout)."""
        self.held, self.answering = 0, sum(phone.connected for phone in self.phones)
        self.all_held.clear()
        for watch in self.watches:
            watch.start(expected)
        latencies: list[float] = []
        last_ack = 0.0
        refused: Counter[str] = Counter()

        async def answer(index: int, phone: socketio.AsyncClient) -> None:
            nonlocal last_ack
            sent = time.monotonic()
            try:
                ack = await phone.call("submit_answer", {"poll": self.poll, "value": (self.first + index) % OPTIONS},
                                       timeout=timeout)
            except Exception as error:
                refused[type(error).__name__] += 1
                return
            if isinstance(ack, dict) and ack.get("ok"):
                last_ack = time.monotonic()
                latencies.append(last_ack - sent)
            else:
                refused[str(ack.get("error") if isinstance(ack, dict) else ack)] += 1

        await asyncio.sleep(max(0.0, at - time.monotonic()))
        await asyncio.gather(*(answer(index, phone) for index, phone in enumerate(self.phones) if phone.connected))
        if expected is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_held.wait(), max(0.0, at + timeout - time.monotonic()))
        for watch in self.watches:
            watch.counting = False
        held = [watch.tally_at for watch in self.watches if watch.tally_at is not None]
        return {"latencies": latencies, "last_ack": last_ack or None, "refused": dict(refused),
                "frames": sum(watch.frames for watch in self.watches), "held": len(held),
                "tally_last": max(held, default=None)}

    async def close(self) -> None:
        """Disconnect every phone (bounded: a swamped server must not hold the bench)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(phone.disconnect() for phone in self.phones)), 30)


def work(pipe: Connection, url: str, auth: dict[str, str], phones: int, first: int, poll: str,
         deflate: bool) -> None:
    """A worker process's entry point."""
    raise_fd_limit()

    async def main() -> None:
        await Crowd(url, auth, phones, first, poll, deflate).serve(pipe)

    asyncio.run(main())
