"""The load generator: phones as python-socketio AsyncClients over WebSocket, negotiating permessage-deflate as
browsers do, in worker processes that bench.scale drives over a pipe (`connect`, `burst`, `close`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
    """One client's view of the burst: event frames received while counting, and the highest total of the poll
    it was shown, with when it first saw it (the final tally, once the bench knows what final is)."""

    def __init__(self, poll: str, keep_times: bool = False, raised: Callable[[Watch], None] = lambda _: None):
        self.poll = poll
        self.keep_times = keep_times  # the presenter's results ticks; phones would hold N of them under naive
        self.raised = raised
        self.counting = False
        self.frames = 0
        self.results_at: list[float] = []
        self.best, self.best_at = -1, 0.0

    def start(self) -> None:
        """Count from now on."""
        self.frames, self.results_at, self.best, self.best_at = 0, [], -1, 0.0
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
        total = payload.get("total")
        if isinstance(total, int) and total > self.best:
            self.best, self.best_at = total, now
            self.raised(self)


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
        self.watches = [Watch(poll, raised=self._raised) for _ in range(phones)]
        self.phones = [client(watch, deflate) for watch in self.watches]
        self.tally: int | None = None  # the final tally, once bench.scale has read it from the store
        self.held = self.watching = 0
        self.all_held = asyncio.Event()

    def _raised(self, watch: Watch) -> None:
        if watch.best == self.tally:
            self.held += 1
            if self.held == self.watching:
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

    async def burst(self, at: float, timeout: float) -> dict[str, Any]:
        """At monotonic time `at` every connected phone answers; returns once each is acknowledged or refused."""
        self.tally = None
        self.watching = sum(phone.connected for phone in self.phones)
        self.all_held.clear()
        for watch in self.watches:
            watch.start()
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
        return {"latencies": latencies, "last_ack": last_ack or None, "refused": dict(refused)}

    async def settle(self, tally: int | None, deadline: float) -> dict[str, Any]:
        """Wait until every phone holds the final tally of `tally` answers (or the monotonic deadline), then stop
        counting frames; None: there is no tally to wait for."""
        if tally is not None:
            self.tally = tally
            self.held = sum(watch.best == tally for watch in self.watches)
            if self.held == self.watching:
                self.all_held.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_held.wait(), max(0.0, deadline - time.monotonic()))
        for watch in self.watches:
            watch.counting = False
        held = [watch.best_at for watch in self.watches if watch.best == tally]
        return {"frames": sum(watch.frames for watch in self.watches), "held": len(held),
                "tally_last": max(held, default=None)}

    async def close(self) -> None:
        """Disconnect every phone (bounded: a swamped server must not hold the bench)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(phone.disconnect() for phone in self.phones)), 30)


def work(pipe: Connection, url: str, auth: dict[str, str], phones: int, first: int, poll: str,
         deflate: bool) -> None:
    """A worker process's entry point."""
    raise_fd_limit()
    # A dropped connection is counted among the failures; engine.io's line per dropped phone only floods stderr.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)

    async def main() -> None:
        await Crowd(url, auth, phones, first, poll, deflate).serve(pipe)

    asyncio.run(main())
