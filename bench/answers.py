"""How fast a full room is acknowledged and counted: N phones answer one poll at the same moment.

Runs the real `workshop serve` (a subprocess, on 127.0.0.1 only) against a real redis-server, connects N
python-socketio AsyncClients over WebSocket, opens a poll and has every phone answer at once. Prints a table:
acknowledgement latency (p50, p95, max), time until the presenter's results show every answer, and the
server's CPU seconds. The load generator shares the machine with the server; figures are upper bounds.

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python -m bench.answers --phones 100 500 1000 --modes eventlet gevent
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import start_redis
from tests.servers import running_server


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_round(url: str, session: dict, phones: int) -> dict[str, float]:
    """Connect the phones, open the poll, answer together; measure."""
    key = parse_qs(urlparse(session["facilitator_url"]).query)["key"][0]
    facilitator = socketio.AsyncClient(reconnection=False)
    complete = asyncio.Event()
    seen: dict[str, float] = {}

    async def on_results(results: dict) -> None:
        if results.get("total") == phones and not complete.is_set():
            seen["complete"] = time.perf_counter()
            complete.set()

    facilitator.on("results_updated", on_results)
    await facilitator.connect(url, auth={"session": session["id"], "key": key}, transports=["websocket"])
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(phones)]
    connect_started = time.perf_counter()
    for start in range(0, phones, 100):
        await asyncio.gather(*(client.connect(url, auth={"code": session["code"]}, transports=["websocket"],
                                              wait_timeout=30) for client in clients[start:start + 100]))
    connected = time.perf_counter() - connect_started
    assert (await facilitator.call("open_poll", {"poll": "warmup_word"}, timeout=30))["ok"]
    await asyncio.sleep(0.5)

    latencies: list[float] = []

    async def answer(client: socketio.AsyncClient, index: int) -> None:
        sent = time.perf_counter()
        ack = await client.call("submit_answer", {"poll": "warmup_word", "value": index % 6}, timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"answer refused: {ack}")
        latencies.append(time.perf_counter() - sent)

    started = time.perf_counter()
    await asyncio.gather(*(answer(client, index) for index, client in enumerate(clients)))
    all_acked = time.perf_counter() - started
    await asyncio.wait_for(complete.wait(), timeout=30)
    counted = seen["complete"] - started
    await asyncio.gather(*(client.disconnect() for client in clients))
    await facilitator.disconnect()
    latencies.sort()
    return {"connect_s": connected, "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))], "max_ms": 1000 * latencies[-1],
            "all_acked_s": all_acked, "counted_s": counted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--modes", nargs="+", default=["eventlet", "gevent"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
    redis_process, redis_url = start_redis(work)
    rows = []
    try:
        for mode in args.modes:
            for phones in args.phones:
                # k = 1, so the last answers are released too (with k > 1 up to k - 1 stay unreleased, by
                # design); the load generator joins every phone from one address, so the join limits are lifted.
                with running_server(redis_url, work / f"{mode}-{phones}", mode, WORKSHOP_MIN_RESPONSES="1",
                                    WORKSHOP_JOINS_PER_MINUTE_PER_ADDRESS="100000",
                                    WORKSHOP_JOINS_PER_MINUTE_PER_SESSION="1000000") as server:
                    session = server.start_session()
                    cpu_before = cpu_seconds(server.process.pid)
                    figures = asyncio.run(one_round(server.url, session, phones))
                    figures["server_cpu_s"] = cpu_seconds(server.process.pid) - cpu_before
                    rows.append((mode, phones, figures))
    finally:
        redis_process.terminate()
    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; load generator on the same machine")
    header = ("mode", "phones", "connect s", "ack p50 ms", "ack p95 ms", "ack max ms", "all acked s",
              "all counted s", "server CPU s")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for mode, phones, f in rows:
        print(f"| {mode} | {phones} | {f['connect_s']:.2f} | {f['p50_ms']:.0f} | {f['p95_ms']:.0f} | "
              f"{f['max_ms']:.0f} | {f['all_acked_s']:.2f} | {f['counted_s']:.2f} | {f['server_cpu_s']:.2f} |")


if __name__ == "__main__":
    main()
