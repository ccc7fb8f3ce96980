"""How a full room holds up: phones join, then all answer one poll at the same moment; measured against the
stack's ceiling (bare), a quick implementation (naive), and workshop with 1, 2 and 4 processes.

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python -m bench.scale --phones 500 1000 2000 4000 --servers bare naive ours1 ours2 ours4

Every server listens on 127.0.0.1 with a fresh Redis of its own; the load generator (python-socketio
AsyncClients over WebSocket with permessage-deflate, spread over --workers processes) shares the machine,
so the `bound` column names the busiest process during the acknowledgements.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import socketio

from bench import profile
from bench.phones import Watch, client, connect, raise_fd_limit, work
from bench.procs import MACHINE, CpuSampler, rss_bytes, sockets
from bench.targets import POLL, SERVERS, Session, Target, launched

GROUPS = ("app", "redis", "haproxy")


@dataclass
class Staff:
    """The facilitator (opens and reveals the poll) and the presenter screen (watches the results ticks)."""

    facilitator: socketio.AsyncClient
    presenter: socketio.AsyncClient
    watches: tuple[Watch, Watch]

    @classmethod
    async def join(cls, url: str, session: Session, deflate: bool) -> Staff:
        """Connect both, as the browser pages do."""
        watches = (Watch(POLL), Watch(POLL, keep_times=True))
        facilitator, presenter = client(watches[0], deflate), client(watches[1], deflate)
        await connect(facilitator, url, {"session": session.id, "key": session.facilitator_key})
        await connect(presenter, url, {"session": session.id, "key": session.presenter_key})
        return cls(facilitator, presenter, watches)

    async def open_and_reveal(self) -> None:
        """Open the poll and show its results on the phones too."""
        for event, payload in (("open_poll", {"poll": POLL}), ("set_results_visible", {"poll": POLL, "visible": True})):
            ack = await self.facilitator.call(event, payload, timeout=60)
            if not ack.get("ok"):
                raise RuntimeError(f"{event} refused: {ack}")

    async def leave(self) -> None:
        """Disconnect both."""
        await self.facilitator.disconnect()
        await self.presenter.disconnect()


class Workers:
    """Load-generator processes, each holding a share of the phones."""

    def __init__(self, url: str, auth: dict[str, str], phones: int, count: int, deflate: bool):
        context = multiprocessing.get_context("spawn")  # no forked event loop or sockets
        shares = [phones // count + (index < phones % count) for index in range(count)]
        self.pipes: list[Connection] = []
        self.processes = []
        for index, share in enumerate(shares):
            mine, theirs = context.Pipe()
            process = context.Process(target=work, args=(theirs, url, auth, share, sum(shares[:index]), POLL, deflate),
                                      daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    async def ask(self, *command: Any) -> list[Any]:
        """Send one command to every worker; their answers."""
        for pipe in self.pipes:
            pipe.send(command)
        return await self.answers()

    async def answers(self) -> list[Any]:
        """The next message from every worker."""
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in self.pipes)))

    @property
    def pids(self) -> list[int]:
        """Their process ids."""
        return [int(process.pid or 0) for process in self.processes]

    async def close(self) -> None:
        """Disconnect their phones and let them exit."""
        await self.ask("close")
        for process in self.processes:
            process.join(timeout=10)


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def rss(groups: dict[str, list[int]]) -> dict[str, int]:
    """Resident bytes per group of server processes."""
    return {group: sum(rss_bytes(pid) for pid in pids) for group, pids in groups.items()}


def bound(used: dict[int, float], labels: dict[int, str], wall: float) -> str:
    """Which process bounded the acknowledgements: the busiest one (its share of one core), in `cores (...)`
    when the machine's cores were all busy."""
    if wall <= 0:
        return "-"
    ours = {pid: seconds for pid, seconds in used.items() if pid != MACHINE}
    busiest = max(ours, key=lambda pid: ours[pid])
    note = f"{labels[busiest]} {ours[busiest] / wall:.0%}"
    return f"cores ({note})" if used[MACHINE] / wall >= 0.9 * (os.cpu_count() or 1) else note


def others(used: dict[int, float], wall: float) -> float | None:
    """Cores that processes outside the bench used meanwhile (another test run skews a row)."""
    if wall <= 0:
        return None
    return (used[MACHINE] - sum(seconds for pid, seconds in used.items() if pid != MACHINE)) / wall


async def measure(target: Target, phones: int, args: argparse.Namespace) -> dict[str, Any]:
    """One row: connect the phones, burst, wait for the final tally everywhere, and account for it."""
    session = target.start_session()
    staff = await Staff.join(target.url, session, args.deflate) if session else None
    watches = staff.watches if staff else ()
    presenter = watches[1] if watches else None
    rss_before = rss(target.groups())
    crowd = Workers(target.url, {"code": session.code if session else "bare"}, phones, args.workers, args.deflate)
    await crowd.answers()  # every worker imported its libraries and is ready
    started = time.monotonic()
    connected = await crowd.ask("connect")
    connect_s = max(report["done"] for report in connected) - started
    joined = sum(report["connected"] for report in connected)
    await asyncio.sleep(1 + phones / 2000)  # let the joins' own traffic (counts, states) settle
    groups = target.groups()
    rss_after = rss(groups)
    spread = [sockets(pid) for pid in groups["app"]]
    if staff:
        await staff.open_and_reveal()
        await asyncio.sleep(1 + phones / 2000)  # every phone has the open poll before anyone answers
    publishes_before = target.publishes()
    labels = {pid: group for group, pids in groups.items() for pid in pids}
    labels |= {pid: "gen" for pid in [*crowd.pids, os.getpid()]} | {MACHINE: "machine"}
    spies = profile.record(groups["app"], args.profile, f"{target.name}-{phones}") if args.profile else []
    with CpuSampler(list(labels)) as sampler:
        at = time.monotonic() + 0.5
        deadline = at + args.timeout
        for watch in watches:
            watch.start()
        bursts = await crowd.ask("burst", at, args.timeout)
        # The final tally is what the store holds once every phone is acknowledged (or refused).
        tally = target.stored_now(session) if session else None
        settled = await crowd.ask("settle", tally, deadline)
        while presenter and presenter.best != tally and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        finished = time.monotonic()
        timed_out = finished >= deadline
        published = target.publishes() - publishes_before
    profile.stop(spies)
    for watch in watches:
        watch.counting = False
    exported = target.stored_total(session) if session else None  # the organiser's results.json, after the burst
    await crowd.close()
    if staff:
        await staff.leave()

    latencies = sorted(latency for report in bursts for latency in report["latencies"])
    acked = len(latencies)
    last_ack = max((report["last_ack"] for report in bursts if report["last_ack"]), default=at)
    staff_held = [watch.best_at for watch in watches if watch.best == tally]
    held = sum(report["held"] for report in settled) + len(staff_held)
    everyone_held = bool(session) and held == joined + len(watches)
    tally_last = max([report["tally_last"] or 0 for report in settled] + staff_held)
    # The burst window: from the answers to every screen holding the final tally (bare: to the last ack).
    window_end = tally_last if everyone_held else last_ack if not session else finished
    used = sampler.used(at, window_end)
    cpu = {group: sum(used[pid] for pid in pids) for group, pids in groups.items()}
    ticks = presenter.results_at if presenter else []
    frames = sum(report["frames"] for report in settled) + sum(watch.frames for watch in watches)
    return {
        "connect_s": connect_s, "joined": joined, "acked": acked, "sockets": spread,
        "deflate": sum(report["deflate"] for report in connected),
        "connect_failures": merge(report["failures"] for report in connected),
        "answer_failures": merge(report["refused"] for report in bursts),
        "p50_ms": 1000 * percentile(latencies, 0.50) if latencies else None,
        "p95_ms": 1000 * percentile(latencies, 0.95) if latencies else None,
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else None,
        "answers_per_s": acked / (last_ack - at) if acked and last_ack > at else None,
        "tally_s": tally_last - last_ack if everyone_held else None,
        "tally_missing": joined + len(watches) - held if session else None,
        "lost": max(0, acked - exported) if exported is not None else None, "tally": tally, "timed_out": timed_out,
        "cpu_per_1k": {group: 1000 * seconds / acked for group, seconds in cpu.items()} if acked else None,
        "gen_cpu_s": sum(seconds for pid, seconds in used.items() if labels[pid] == "gen"),
        "kb_per_phone": {group: (rss_after[group] - rss_before[group]) / 1024 / joined for group in GROUPS}
        if joined else None,
        "frames_per_answer": frames / acked if acked else None,
        "pub_per_tick": published / len(ticks) if ticks else None,
        "tick_ms": 1000 * statistics.median(b - a for a, b in itertools.pairwise(ticks)) if len(ticks) > 1 else None,
        "bound": bound(sampler.used(at, last_ack), labels, last_ack - at),
        "others_cores": others(sampler.used(at, last_ack), last_ack - at),
    }


def merge(counters: Iterable[dict[str, int]]) -> dict[str, int]:
    """Add up failure counts reported by several workers."""
    total: dict[str, int] = {}
    for counter in counters:
        for reason, count in counter.items():
            total[reason] = total.get(reason, 0) + count
    return total


def number(value: float | None, digits: int = 0) -> str:
    """A figure, or '-' where it does not apply."""
    return "-" if value is None else f"{value:.{digits}f}"


def cells(server: str, phones: int, f: dict[str, Any]) -> tuple[list[str], list[str]]:
    """One row of each table."""
    if "skipped" in f:
        note = f"not run: timed out at {f['skipped']}"
        return ([server, str(phones), *["-"] * (len(MAIN) - 3), note],
                [server, str(phones), *["-"] * (len(DETAIL) - 3), note])
    cpu, kb = f["cpu_per_1k"] or {}, f["kb_per_phone"] or {}
    main = [server, str(phones), number(f["connect_s"], 1), number(f["p50_ms"]), number(f["p95_ms"]),
            number(f["p99_ms"]), number(f["answers_per_s"]), number(f["tally_s"], 2), number(f["lost"]),
            number(sum(cpu.values()) if cpu else None, 2), number(sum(kb.values()) if kb else None),
            number(f["frames_per_answer"], 1), number(f["pub_per_tick"], 1), number(f["tick_ms"]), f["bound"]]
    failures = {**f["connect_failures"], **f["answer_failures"]}
    if f["tally_missing"]:
        failures["no final tally"] = f["tally_missing"]
    detail = [server, str(phones), f"{f['joined']}/{phones}", f"{f['deflate']}/{f['joined']}",
              *(number(cpu.get(group), 2) for group in GROUPS), *(number(kb.get(group)) for group in GROUPS),
              "/".join(map(str, f["sockets"])), number(f["gen_cpu_s"], 1), number(f["others_cores"], 2),
              ", ".join(f"{reason}: {count}" for reason, count in failures.items()) or "-"]
    return main, detail


MAIN = ("server", "phones", "connect s", "ack p50 ms", "p95 ms", "p99 ms", "answers/s", "tally s", "lost",
        "CPU s/1k", "KB/phone", "frames/ans", "pub/tick", "tick ms", "bound")
DETAIL = ("server", "phones", "joined", "deflate", "app CPU s/1k", "redis CPU s/1k", "haproxy CPU s/1k",
          "app KB/phone", "redis KB/phone", "haproxy KB/phone", "app sockets", "gen CPU s", "others cores",
          "failures")


def table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    """Plain text, columns aligned (text left, figures right)."""
    widths = [max(len(row[index]) for row in [list(header), *rows]) for index in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) if index in (0, len(row) - 1) else cell.rjust(width)
                         for index, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip()

    return "\n".join([line(list(header)), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def revision() -> str:
    """Which workshop was measured: the commit, and whether workshop/ had changes not committed yet."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], capture_output=True, text=True, check=False).stdout.strip()

    dirty = " with uncommitted changes in workshop/" if git("status", "--porcelain", "workshop") else ""
    return f"workshop at {git('rev-parse', '--short', 'HEAD') or 'unknown'}{dirty}"


def main() -> None:
    """Run every (phones, server) row, servers side by side at each size, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each row")
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a burst may take before it is given up")
    parser.add_argument("--profile", type=Path, help="record py-spy profiles of the app processes here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-deflate", dest="deflate", action="store_false",
                        help="phones do not offer permessage-deflate (to see what it costs)")
    args = parser.parse_args()
    raise_fd_limit()
    work = Path(tempfile.mkdtemp(prefix="workshop-scale-"))
    rows: list[dict[str, Any]] = []
    gave_up: dict[str, int] = {}  # server -> the size at which its burst outlasted --timeout
    for phones in args.phones:
        for server in args.servers:
            for run in range(args.repeat):
                if server in gave_up:  # a bigger room would only take longer
                    rows.append({"server": server, "phones": phones, "skipped": gave_up[server]})
                    continue
                with launched(server, work / f"{server}-{phones}-{run}") as target:
                    figures = asyncio.run(measure(target, phones, args))
                rows.append({"server": server, "phones": phones, **figures})
                print(f"{server} {phones}: {json.dumps(figures)}", file=sys.stderr, flush=True)
                if figures["timed_out"]:
                    gave_up[server] = phones
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.workers} load-generator processes "
          f"on the same machine, permessage-deflate {'offered' if args.deflate else 'not offered'}, {revision()}\n")
    print(table(MAIN, [cells(row["server"], row["phones"], row)[0] for row in rows]))
    print()
    print(table(DETAIL, [cells(row["server"], row["phones"], row)[1] for row in rows]))
    print(f"\nserver logs: {work}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
