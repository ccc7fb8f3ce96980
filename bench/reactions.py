"""Taps from a full room: N phones each send several reactions at the same moment.

Runs the real `workshop serve` (a subprocess on 127.0.0.1) against a fresh redis-server, connects N
python-socketio AsyncClients over WebSocket from `--workers` processes, and has every phone send `--each`
events one after another (each waits for its acknowledgement), all phones at once. Prints a table: sent,
acknowledged, refused (by error: the rate limit refuses past 5 in 2 s per phone), what Redis counted at the
end (must equal the acknowledged: nothing lost), the coalesced frames a presenter client received (per
second: bounded by the broadcaster's tick, not by the taps) and what they added up to, ack latency p50/p99,
and the server's CPU seconds. The load generator shares the machine; latencies are upper bounds.

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python -m bench.reactions --phones 1000
    .venv/bin/python -m bench.reactions --phones 200 1000 --each 8 --together --workloads reactions

A workload is one event: how to prepare the session, each tap's payload, the coalesced event the presenter
counts, and what the store holds at the end (see WORKLOADS): `reactions` (`react`) and `upvotes` (Q&A's
`vote_question` on 8 questions; its `questions_updated` goes to every phone, and carries totals).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import redis
import socketio

from bench.phones import CONNECT_BATCH, raise_fd_limit
from bench.procs import MACHINE, cpu_seconds
from tests.conftest import start_redis
from tests.servers import call_api, running_server
from workshop.reactions import DEFAULT_REACTIONS


@dataclass
class Room:
    """One session under load: its ids and keys, the facilitator and the presenter, and the store."""

    url: str
    session: dict[str, Any]
    facilitator: socketio.AsyncClient | None  # None in the load-generator processes
    presenter: socketio.AsyncClient | None
    store: redis.Redis | None
    context: dict[str, Any] = field(default_factory=dict)  # what a workload's prepare step leaves for payloads


@dataclass(frozen=True)
class Workload:
    """One kind of tap: the event, its payload per phone and tap, the presenter's coalesced event and how to
    read its total, and what the store counted at the end."""

    event: str
    payload: Callable[[Room, int, int], dict[str, Any]]  # (room, phone index, tap index) -> payload
    frame_event: str
    frame_total: Callable[[dict[str, Any]], int]  # the taps one presenter frame carries (or, cumulative, shows)
    stored: Callable[[Room], int]
    prepare: Callable[[Room], Awaitable[None]] | None = None
    cumulative: bool = False  # frames carry totals (the last one shows every tap), not counts since the last


def _reaction(room: Room, phone: int, tap: int) -> dict[str, Any]:
    return {"emoji": DEFAULT_REACTIONS[(phone + tap) % len(DEFAULT_REACTIONS)]}


def _reactions_stored(room: Room) -> int:
    assert room.store is not None
    return sum(int(count) for count in room.store.hvals(f"ws:{{{room.session['id']}}}:reactions"))


QUESTIONS = 8  # upvotes: each phone votes for up to this many questions (one vote per phone and question)


async def _ask_questions(room: Room) -> None:
    """Open Q&A without moderation and have a few phones ask the questions the room will vote for."""
    assert room.facilitator is not None
    ack = await room.facilitator.call("set_qa", {"open": True, "moderation": "none"}, timeout=30)
    assert ack.get("ok"), ack
    askers = [socketio.AsyncClient(reconnection=False) for _ in range(-(-QUESTIONS // 3))]  # 3 a minute each
    await connect(askers, room.url, {"code": room.session["code"]})
    room.context["questions"] = []
    for number in range(QUESTIONS):
        ack = await askers[number // 3].call("ask_question", {"text": f"Question {number + 1}: what helps?"},
                                             timeout=30)
        assert ack.get("ok"), ack
        room.context["questions"].append(ack["question"])
    await asyncio.gather(*(asker.disconnect() for asker in askers))


def _upvote(room: Room, phone: int, tap: int) -> dict[str, Any]:
    questions = room.context["questions"]
    return {"question": questions[(phone + tap) % len(questions)], "vote": True}


def _votes_stored(room: Room) -> int:
    assert room.store is not None
    return sum(int(votes) for votes in room.store.hvals(f"ws:{{{room.session['id']}}}:qa:votes"))


WORKLOADS: dict[str, Workload] = {
    "reactions": Workload(
        event="react", payload=_reaction, frame_event="reactions",
        frame_total=lambda frame: sum(frame.get("counts", {}).values()), stored=_reactions_stored),
    # Q&A upvotes: each frame is the whole list (to every phone too), so the last one shows every vote.
    "upvotes": Workload(
        event="vote_question", payload=_upvote, frame_event="questions_updated", prepare=_ask_questions,
        frame_total=lambda frame: sum(item.get("votes", 0) for item in frame.get("questions", [])),
        stored=_votes_stored, cumulative=True),
}


async def connect(phones: list[socketio.AsyncClient], url: str, auth: dict[str, str]) -> int:
    """Connect the phones a batch at a time; how many are connected."""
    async def one(phone: socketio.AsyncClient) -> None:
        try:
            await phone.connect(url, auth=dict(auth), transports=["websocket"], wait_timeout=60)
        except Exception as error:  # counted below; a few failures should not stop the row
            print(f"connect failed: {type(error).__name__}: {error}"[:120], file=sys.stderr)

    for start in range(0, len(phones), CONNECT_BATCH):
        await asyncio.gather(*(one(phone) for phone in phones[start:start + CONNECT_BATCH]))
    return sum(phone.connected for phone in phones)


async def crowd(pipe: Connection, url: str, room: Room, name: str, phones: int, first: int, each: int,
                together: bool) -> None:
    """One load-generator process: connect its phones, tap at the agreed moment, report, disconnect."""
    workload = WORKLOADS[name]
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(phones)]
    pipe.send(await connect(clients, url, {"code": room.session["code"]}))
    loop = asyncio.get_running_loop()
    at = await loop.run_in_executor(None, pipe.recv)
    latencies: list[float] = []
    refused: Counter[str] = Counter()

    async def one(phone: socketio.AsyncClient, index: int, number: int) -> None:
        sent = time.monotonic()
        try:
            ack = await phone.call(workload.event, workload.payload(room, first + index, number), timeout=60)
        except Exception as error:
            refused[type(error).__name__] += 1
            return
        if isinstance(ack, dict) and ack.get("ok"):
            latencies.append(time.monotonic() - sent)
        else:
            refused[str(ack.get("error") if isinstance(ack, dict) else ack)] += 1

    async def tap(phone: socketio.AsyncClient, index: int) -> None:
        if together:  # a thumb drumming on the button: every tap sent before any is acknowledged
            await asyncio.gather(*(one(phone, index, number) for number in range(each)))
        else:
            for number in range(each):
                await one(phone, index, number)

    await asyncio.sleep(max(0.0, at - time.monotonic()))
    await asyncio.gather(*(tap(phone, index) for index, phone in enumerate(clients) if phone.connected))
    pipe.send({"latencies": latencies, "refused": dict(refused), "done": time.monotonic()})
    await loop.run_in_executor(None, pipe.recv)
    await asyncio.gather(*(phone.disconnect() for phone in clients if phone.connected))
    pipe.send(None)


def crowd_process(pipe: Connection, url: str, session: dict[str, Any], context: dict[str, Any], name: str,
                  phones: int, first: int, each: int, together: bool) -> None:
    """A load-generator process's entry point (no Redis or staff clients of its own)."""
    raise_fd_limit()
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    room = Room(url, session, None, None, None, context)
    asyncio.run(crowd(pipe, url, room, name, phones, first, each, together))


async def one_row(url: str, redis_url: str, name: str, phones: int, each: int, workers: int, together: bool,
                  pid: int) -> dict[str, Any]:
    """Connect, tap together, wait until the presenter has every acknowledged tap (or 30 s), measure."""
    workload = WORKLOADS[name]
    session = await asyncio.to_thread(_start_session, url)
    key = {role: parse_qs(urlparse(session[f"{role}_url"]).query)["key"][0] for role in ("facilitator", "presenter")}
    facilitator = socketio.AsyncClient(reconnection=False)
    presenter = socketio.AsyncClient(reconnection=False)
    frames: list[tuple[float, int]] = []
    presenter.on(workload.frame_event, lambda frame: frames.append((time.monotonic(), workload.frame_total(frame))))
    for client, role in ((facilitator, "facilitator"), (presenter, "presenter")):
        await client.connect(url, auth={"session": session["id"], "key": key[role]}, transports=["websocket"])
    room = Room(url, session, facilitator, presenter, redis.Redis.from_url(redis_url, decode_responses=True))
    if workload.prepare:
        await workload.prepare(room)
    spawn = multiprocessing.get_context("spawn")
    shares = [phones // workers + (index < phones % workers) for index in range(workers)]
    pipes, processes = [], []
    for index, share in enumerate(shares):
        mine, theirs = spawn.Pipe()
        process = spawn.Process(target=crowd_process, daemon=True, args=(
            theirs, url, session, room.context, name, share, sum(shares[:index]), each, together))
        process.start()
        pipes.append(mine)
        processes.append(process)
    loop = asyncio.get_running_loop()

    async def answers() -> list[Any]:
        return list(await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in pipes)))

    joined = sum(await answers())
    await asyncio.sleep(1 + phones / 1000)  # the joins' own traffic settles
    frames.clear()
    cpu_before = cpu_seconds(pid)
    generators = [int(process.pid or 0) for process in processes]
    gen_before = sum(cpu_seconds(worker) for worker in generators)
    machine_before = cpu_seconds(MACHINE)
    at = time.monotonic() + 0.5
    for pipe in pipes:
        pipe.send(at)
    reports = await answers()
    all_acked = max(report["done"] for report in reports) - at
    gen_cpu = sum(cpu_seconds(worker) for worker in generators) - gen_before
    # Busy cores over the burst, counting every process on the machine (other work skews a row).
    machine_busy = (cpu_seconds(MACHINE) - machine_before) / max(all_acked + 0.5, 1e-3)
    latencies = sorted(latency for report in reports for latency in report["latencies"])
    refused: Counter[str] = Counter()
    for report in reports:
        refused.update(report["refused"])
    acked = len(latencies)

    def on_screen() -> int:
        if workload.cumulative:
            return frames[-1][1] if frames else 0
        return sum(total for _, total in frames)

    deadline = time.monotonic() + 30
    while on_screen() < acked and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # anything late or extra still arrives
    server_cpu = cpu_seconds(pid) - cpu_before
    stored = workload.stored(room)
    for pipe in pipes:
        pipe.send("close")
    await answers()
    for process in processes:
        process.join(timeout=10)
    await facilitator.disconnect()
    await presenter.disconnect()
    times = [moment for moment, _ in frames]
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    busiest = max((sum(1 for other in times if moment <= other < moment + 1) for moment in times), default=0)
    return {
        "workload": name + (" (together)" if together else ""), "phones": joined, "sent": joined * each,
        "acked": acked, "refused": dict(refused),
        "stored": stored, "frames": len(frames), "frames_per_s": len(frames) / span if span else float(len(frames)),
        "busiest_s": busiest, "on_screen": on_screen(), "all_acked_s": all_acked,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0.0,
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else 0.0,
        "server_cpu_s": server_cpu, "gen_cpu_s": gen_cpu, "machine_busy": machine_busy,
    }


def _start_session(url: str) -> dict[str, Any]:
    return dict(call_api(url, "POST", "/api/sessions", {"deck": "interdependence"}))


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--phones", type=int, nargs="+", default=[1000])
    parser.add_argument("--each", type=int, default=8, help="taps per phone, one after another (default 8)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--mode", default="eventlet", choices=["eventlet", "gevent"])
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes (default 2)")
    parser.add_argument("--together", action="store_true",
                        help="each phone sends all its taps at once (past the rate limit) instead of one after another")
    args = parser.parse_args()
    raise_fd_limit()
    work = Path(tempfile.mkdtemp(prefix="workshop-bench-reactions-"))
    redis_process, redis_url = start_redis(work)
    rows = []
    try:
        for name in args.workloads:
            for phones in args.phones:
                # Every phone joins from one address here, so the join limits are lifted.
                with running_server(redis_url, work / f"{name}-{phones}", args.mode,
                                    WORKSHOP_JOINS_PER_MINUTE_PER_ADDRESS="100000",
                                    WORKSHOP_JOINS_PER_MINUTE_PER_SESSION="1000000") as server:
                    rows.append(asyncio.run(one_row(server.url, redis_url, name, phones, args.each,
                                                    args.workers, args.together, server.process.pid)))
    finally:
        redis_process.terminate()
    print(f"\nmachine: {os.cpu_count()} cores ({cpu_model()}), Python {sys.version.split()[0]}, {args.mode}; "
          f"load generator in {args.workers} processes on the same machine")
    header = ("workload", "phones", "sent", "acked", "refused", "counted in Redis", "lost", "presenter frames",
              "frames/s", "most in 1 s", "taps on screen", "all acked s", "ack p50 ms", "ack p99 ms",
              "server CPU s", "generator CPU s", "busy cores")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        refused = ", ".join(f"{error} {count}" for error, count in sorted(r["refused"].items())) or "0"
        print(f"| {r['workload']} | {r['phones']} | {r['sent']} | {r['acked']} | {refused} | {r['stored']} | "
              f"{r['acked'] - r['stored']} | {r['frames']} | {r['frames_per_s']:.1f} | {r['busiest_s']} | "
              f"{r['on_screen']} | {r['all_acked_s']:.2f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | "
              f"{r['server_cpu_s']:.2f} | {r['gen_cpu_s']:.2f} | {r['machine_busy']:.1f} of {os.cpu_count()} |")


if __name__ == "__main__":
    main()
