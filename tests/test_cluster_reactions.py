"""Reactions across three app processes: every tap counted once in Redis and shown once on the projector,
whatever process took the phone, the presenter or the tick."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import redis
import socketio

from tests.conftest import key_of
from tests.test_cluster import PROCESSES, Phone, cluster, online_by_process, wait_for
from workshop.reactions import DEFAULT_REACTIONS, RATE_LIMIT

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cluster")]


def test_taps_on_every_process_reach_the_projector_once(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    with cluster(redis_url, tmp_path) as server:
        session = server.start_session()
        shown: list[int] = []
        lock = threading.Lock()
        presenter = socketio.Client(reconnection=False)

        def on_reactions(payload: dict) -> None:
            with lock:
                shown.append(sum(payload["counts"].values()))

        presenter.on("reactions", on_reactions)
        presenter.connect(server.url, auth={"session": session["id"], "key": key_of(session["presenter_url"])},
                          transports=["polling"], wait_timeout=10)
        phones = [Phone(server.url, session["code"], "polling" if number % 3 == 0 else "websocket")
                  for number in range(12)]
        try:
            assert all(phone.ready.wait(10) for phone in phones)
            wait_for(lambda: sum(online_by_process(client, session["id"])) == len(phones), what="every phone counted")
            assert len(online_by_process(client, session["id"])) == PROCESSES
            for tap in range(RATE_LIMIT):
                for number, phone in enumerate(phones):
                    emoji = DEFAULT_REACTIONS[(number + tap) % len(DEFAULT_REACTIONS)]
                    assert phone.client.call("react", {"emoji": emoji}, timeout=10)["ok"]
            taps = len(phones) * RATE_LIMIT
            wait_for(lambda: sum(shown) >= taps, what="every tap on the projector")
            stored = client.hvals(f"ws:{{{session['id']}}}:reactions")
            assert sum(int(count) for count in stored) == taps
            wait_for(lambda: not client.exists(f"ws:{{{session['id']}}}:reactions:pending"), what="nothing pending")
            assert sum(shown) == taps, "each tap is shown once, whichever process sent the frame"
            assert len(shown) < taps
        finally:
            presenter.disconnect()
            for phone in phones:
                phone.client.disconnect()
