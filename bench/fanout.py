"""Two ways to fan a poll's results out to N processes, measured per tick against a real Redis.

- `queue` (what the server does): one process per tick takes the poll's flush lock, reads the results once
  and publishes each audience's payload on the Socket.IO channel; every process receives and decodes it,
  then writes the frame to its own phones.
- `local`: every process reads the results itself each tick and writes to its own phones; nothing
  crosses pub/sub, but Redis serves N reads per tick (and each process must read every open poll every
  tick, since only Redis knows which polls changed).

Writing one frame per phone costs the same either way, so it is left out. The table shows, per tick, the
Redis CPU, the app CPU summed over the processes, Redis commands and pub/sub messages.

    .venv/bin/python -m bench.fanout --processes 1 2 4 8 16 --answers 2000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import start_redis
from workshop.config import Settings
from workshop.decks import load_deck
from workshop.live import Client, Workshop
from workshop.store import Store, connect

CHANNEL = "bench:fanout"


def redis_cpu(client: redis.Redis) -> float:
    """Redis's own CPU seconds so far."""
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def commands(client: redis.Redis) -> int:
    """Commands Redis has processed so far."""
    return int(client.info("stats")["total_commands_processed"])


def prepared(url: str, answers: int) -> tuple[Workshop, str, str]:
    """A live session whose first single-choice poll is open and holds `answers` answers."""
    settings = Settings.load(environ={}, overrides={"min_responses": 1, "redis_url": url,
                                                    "joins_per_minute_per_address": 100_000,
                                                    "joins_per_minute_per_session": 1_000_000})
    live = Workshop(Store(connect(url)), settings)
    deck = load_deck(settings.decks_dir / "interdependence.yaml")
    started = live.start_session(deck)
    session_id = started.id
    poll = next(poll for poll in deck.polls() if poll.type == "single")
    facilitator = Client("facilitator", session_id, "facilitator")
    live.set_poll_open(facilitator, poll.id, True)
    live.set_results_visible(facilitator, poll.id, True)
    limits_off = {"code": started.code}
    for number in range(answers):
        phone = live.connect(limits_off, f"10.0.{number // 250}.{number % 250}")
        live.submit_answer(phone, poll.id, number % 3)
    return live, session_id, poll.id


def measure(url: str, live: Workshop, session_id: str, poll_id: str, variant: str, processes: int,
            ticks: int) -> dict[str, float]:
    """Per-tick costs of one variant with `processes` processes."""
    client = redis.Redis.from_url(url)
    subscribers: list[threading.Thread] = []
    received = [0] * processes
    stop = threading.Event()
    if variant == "queue":
        ready = threading.Barrier(processes + 1)
        for number in range(processes):
            def listen(number: int = number) -> None:
                pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                ready.wait()
                while not stop.is_set():
                    message = pubsub.get_message(timeout=0.05)
                    if message:
                        json.loads(message["data"])  # what every process's listener does with an emit
                        received[number] += 1
            subscribers.append(threading.Thread(target=listen, daemon=True))
            subscribers[-1].start()
        ready.wait()
    cpu, redis_before, commands_before = time.process_time(), redis_cpu(client), commands(client)
    published = 0
    for _ in range(ticks):
        if variant == "queue":
            client.delete(f"ws:{{{session_id}}}:flush:{poll_id}")  # a new tick: the lock is free again
            views = live.results_to_send(session_id, poll_id, 200, audience_changed=True) or {}
            for view, payload in views.items():
                client.publish(CHANNEL, json.dumps({"method": "emit", "event": "results_updated",
                                                    "data": payload, "room": f"{session_id}:{view}"}))
                published += 1
        else:
            for _ in range(processes):
                client.delete(f"ws:{{{session_id}}}:flush:{poll_id}")  # each process reads without the lock
                live.results_to_send(session_id, poll_id, 200, audience_changed=True)
    deadline = time.monotonic() + 5
    while variant == "queue" and sum(received) < published * processes and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for thread in subscribers:
        thread.join()
    app_cpu = time.process_time() - cpu
    return {"redis_ms": 1000 * (redis_cpu(client) - redis_before) / ticks, "app_ms": 1000 * app_cpu / ticks,
            "commands": (commands(client) - commands_before) / ticks, "published": published / ticks,
            "delivered": sum(received) / ticks}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--ticks", type=int, default=300)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        server, url = start_redis(Path(directory))
        try:
            live, session_id, poll_id = prepared(url, options.answers)
            print(f"{options.answers} answers in the poll; {options.ticks} ticks per row; per tick:")
            print(f"{'variant':8} {'N':>3} {'Redis CPU ms':>13} {'app CPU ms':>11} {'Redis cmds':>11} "
                  f"{'published':>10} {'delivered':>10}")
            for processes in options.processes:
                for variant in ("queue", "local"):
                    row = measure(url, live, session_id, poll_id, variant, processes, options.ticks)
                    print(f"{variant:8} {processes:>3} {row['redis_ms']:>13.3f} {row['app_ms']:>11.3f} "
                          f"{row['commands']:>11.1f} {row['published']:>10.1f} {row['delivered']:>10.1f}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
