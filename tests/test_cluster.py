"""Several app processes behind the real HAProxy (`workshop serve --processes 3`), sharing one Redis.

Phones all come from one address (127.0.0.1), as a venue behind one NAT does, over WebSocket and over
long-polling only; the facilitator's events, the results and the counts must reach every phone whatever
process it landed on, and a process killed mid-poll must lose nothing that was acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
import socketio

from tests.conftest import ORGANISER_TOKEN, key_of
from tests.servers import RunningServer, free_port, running_server

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("cluster")]
PROCESSES = 3


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll until `condition()` holds, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def worker_pids(supervisor: int) -> dict[str, int]:
    """The app processes of a supervisor, by name (p1, p2, ...), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == supervisor and b"--worker" in command:
            found[command[command.index(b"--worker") + 1].decode()] = int(entry.name)
    return found


def processes() -> Iterator[tuple[int, str]]:
    """Every running process's id and command line."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # gone meanwhile
            if running(int(entry.name)):
                yield int(entry.name), command


def running(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def online_by_process(client: redis.Redis, session_id: str) -> list[int]:
    """Phones connected to each live server process of a session (its per-process presence in Redis)."""
    instances = client.smembers(f"ws:{{{session_id}}}:instances")
    return [int(client.hlen(f"ws:{{{session_id}}}:online:{instance}")) for instance in instances]


@contextmanager
def cluster(redis_url: str, tmp_path: Path, **env: str) -> Iterator[RunningServer]:
    """Three app processes and HAProxy on one port, results released from the first answer."""
    with running_server(redis_url, tmp_path, WORKSHOP_PROCESSES=str(PROCESSES), **env) as server:
        wait_for(lambda: len(worker_pids(server.process.pid)) == PROCESSES, what="the app processes")
        yield server


class Phone:
    """A participant's phone: reconnects by itself and presents its token again, as the real page does."""

    def __init__(self, url: str, code: str, transport: str):
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.auth: dict[str, str] = {"code": code}
        self.tokens: list[str] = []
        self.slide = -1
        self.poll: dict[str, Any] = {}
        self.results: dict[str, Any] = {}
        self.drops = 0
        self.ready = threading.Event()
        self.client.on("session_state", self._state)
        self.client.on("slide_changed", lambda slide: setattr(self, "slide", slide["index"]))
        self.client.on("poll_changed", lambda poll: setattr(self, "poll", poll))
        self.client.on("results_updated", lambda results: setattr(self, "results", results))
        self.client.on("disconnect", self._dropped)
        # The auth object is read again on every reconnection: it carries the token once known.
        self.client.connect(url, auth=self.auth, transports=[transport], wait_timeout=10)

    def _state(self, state: dict[str, Any]) -> None:
        self.tokens.append(state["participant"])
        self.auth["participant"] = state["participant"]
        self.slide = state["slide"]["index"] if state.get("slide") else self.slide
        self.ready.set()

    def _dropped(self, *_: object) -> None:
        self.drops += 1

    def answer(self, poll: str, value: int) -> dict[str, Any]:
        """Submit, retrying while the phone reconnects (as the page does): the answer counts once."""
        deadline = time.monotonic() + 20
        while True:
            try:
                return dict(self.client.call("submit_answer", {"poll": poll, "value": value}, timeout=5))
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def test_three_processes_serve_one_room_and_a_killed_process_loses_nothing(
        redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    with cluster(redis_url, tmp_path) as server:
        session = server.start_session()
        screens: dict[str, dict[str, Any]] = {"facilitator": {}, "presenter": {}}
        counts: list[int] = []
        facilitator = socketio.Client(reconnection=False)
        states: list[dict[str, Any]] = []
        facilitator.on("session_state", states.append)
        facilitator.on("results_updated", lambda results: screens["facilitator"].update(results))
        facilitator.on("participant_count", lambda payload: counts.append(payload["count"]))
        facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                            transports=["websocket"], wait_timeout=10)
        presenter = socketio.Client(reconnection=False)
        presenter.on("results_updated", lambda results: screens["presenter"].update(results))
        presenter.connect(server.url, auth={"session": session["id"], "key": key_of(session["presenter_url"])},
                          transports=["polling"], wait_timeout=10)

        phones = [Phone(server.url, session["code"], "polling" if number % 3 == 0 else "websocket")
                  for number in range(18)]
        assert all(phone.ready.wait(10) for phone in phones)
        wait_for(lambda: sum(online_by_process(client, session["id"])) == len(phones), what="every phone counted")
        spread = online_by_process(client, session["id"])
        assert len(spread) == PROCESSES and min(spread) > 0, f"phones from one address on every process: {spread}"
        wait_for(lambda: bool(counts) and counts[-1] == len(phones), what="the facilitator's count")

        # The facilitator (on one process) steps through slides: phones on every process follow.
        slides = states[0]["slides"]
        index = next(i for i, slide in enumerate(slides) if slide["poll"] and slide["poll"]["type"] == "single")
        poll = slides[index]["poll"]["id"]
        assert facilitator.call("go_to_slide", {"index": 1}, timeout=10)["ok"]
        wait_for(lambda: all(phone.slide == 1 for phone in phones), what="every phone on slide 1")
        assert facilitator.call("go_to_slide", {"index": index}, timeout=10)["ok"]
        assert facilitator.call("open_poll", {"poll": poll}, timeout=10)["ok"]
        assert facilitator.call("set_results_visible", {"poll": poll, "visible": True}, timeout=10)["ok"]
        wait_for(lambda: all(phone.slide == index and phone.poll.get("status") == "open" for phone in phones),
                 what="every phone on the open poll")

        final: dict[Phone, int] = {}
        for number, phone in enumerate(phones[:9]):
            assert phone.answer(poll, number % 2)["ok"]
            final[phone] = number % 2

        victim = "p2"
        pids = worker_pids(server.process.pid)
        os.kill(pids[victim], signal.SIGKILL)
        wait_for(lambda: sum(phone.drops for phone in phones) > 0, what="the killed process's phones to drop")
        dropped = [phone for phone in phones if phone.drops]
        wait_for(lambda: all(phone.client.connected and len(phone.tokens) == 1 + phone.drops for phone in dropped),
                 timeout=20, what="the dropped phones to reconnect")
        assert all(len(set(phone.tokens)) == 1 for phone in phones), "a reconnected phone keeps its token"

        # Everyone answers, and every phone that answered before the kill changes its mind once.
        for number, phone in enumerate(phones):
            choice = 2 if phone in final else number % 3
            assert phone.answer(poll, choice)["ok"]
            final[phone] = choice
        expected = [0] * len(phones[0].poll["options"])
        for choice in final.values():
            expected[choice] += 1

        def converged(results: dict[str, Any]) -> bool:
            return results.get("total") == len(phones) and results.get("counts") == expected

        wait_for(lambda: all(converged(screen) for screen in screens.values()), what="the screens' final tally")
        wait_for(lambda: all(converged(phone.results) for phone in phones), what="every phone's final tally")
        wait_for(lambda: victim in worker_pids(server.process.pid)
                 and worker_pids(server.process.pid)[victim] != pids[victim], what="the killed process restarted")
        wait_for(lambda: counts[-1] == len(phones), timeout=30, what="the count to settle after the restart")

        document = server.api("GET", f"/api/sessions/{session['id']}/results.json", token=ORGANISER_TOKEN)
        stored = next(item for item in document["polls"] if item["id"] == poll)
        assert stored["total"] == len(phones)
        for phone in phones:
            phone.client.disconnect()
        presenter.disconnect()
        facilitator.disconnect()


async def _converge(url: str, session: dict[str, Any], phones: int) -> tuple[int, int, list[int]]:
    """`phones` phones answer at once; returns (acknowledged, holding the final tally, final counts)."""
    facilitator = socketio.AsyncClient(reconnection=False)
    states: list[dict[str, Any]] = []
    facilitator.on("session_state", states.append)
    await facilitator.connect(url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                              transports=["websocket"])
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(phones)]
    results: list[dict[str, Any]] = [{} for _ in clients]
    for number, client in enumerate(clients):
        client.on("results_updated", lambda payload, number=number: results[number].update(payload))
    for start in range(0, phones, 50):
        await asyncio.gather(*(client.connect(url, auth={"code": session["code"]}, transports=["websocket"],
                                              wait_timeout=20) for client in clients[start:start + 50]))
    slides = states[0]["slides"]
    index = next(i for i, slide in enumerate(slides) if slide["poll"] and slide["poll"]["type"] == "single")
    poll = slides[index]["poll"]["id"]
    assert (await facilitator.call("go_to_slide", {"index": index}, timeout=10))["ok"]
    assert (await facilitator.call("open_poll", {"poll": poll}, timeout=10))["ok"]
    assert (await facilitator.call("set_results_visible", {"poll": poll, "visible": True}, timeout=10))["ok"]
    await asyncio.sleep(0.5)
    acks = await asyncio.gather(*(client.call("submit_answer", {"poll": poll, "value": number % 3}, timeout=30)
                                  for number, client in enumerate(clients)))
    acknowledged = sum(1 for ack in acks if ack.get("ok"))
    expected = [sum(1 for number in range(phones) if number % 3 == choice) for choice in range(3)]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(result.get("counts", [])[:3] == expected for result in results):
            break
        await asyncio.sleep(0.1)
    holding = sum(1 for result in results if result.get("counts", [])[:3] == expected)
    await asyncio.gather(*(client.disconnect() for client in clients))
    await facilitator.disconnect()
    return acknowledged, holding, expected


def test_two_hundred_phones_over_three_processes_lose_nothing_and_converge(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    # 200 phones from one address within seconds: more than a session admits from one address per 10 s.
    with cluster(redis_url, tmp_path, WORKSHOP_JOINS_PER_MINUTE_PER_ADDRESS="6000") as server:
        session = server.start_session()
        acknowledged, holding, expected = asyncio.run(_converge(server.url, session, 200))
        assert acknowledged == 200
        assert holding == 200, f"{200 - holding} phones never held the final tally"
        document = server.api("GET", f"/api/sessions/{session['id']}/results.json", token=ORGANISER_TOKEN)
        stored = next(poll for poll in document["polls"] if poll["total"])
        assert stored["total"] == 200 and stored["counts"][:3] == expected
        wait_for(lambda: sum(online_by_process(client, session["id"])) == 0, what="every phone to leave")


def test_a_spoofed_forwarded_address_does_not_escape_the_join_throttle(redis_url: str, tmp_path: Path) -> None:
    with cluster(redis_url, tmp_path) as server:
        statuses = []
        for attempt in range(40):
            # Pinned to one process (its cookie), a new made-up address every time.
            request = urllib.request.Request(f"{server.url}/j/ZZZ-ZZZ", headers={
                "X-Forwarded-For": f"203.0.113.{attempt}", "Cookie": "workshop-process=p1"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        assert statuses[:30] == [404] * 30
        assert set(statuses[30:]) == {429}, statuses


def test_sigterm_stops_every_process(redis_url: str, tmp_path: Path) -> None:
    with cluster(redis_url, tmp_path) as server:
        children = list(worker_pids(server.process.pid).values())
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)
        assert server.process.returncode == 0
        wait_for(lambda: not any(running(pid) for pid in children), what="the app processes to stop")
        with pytest.raises(OSError):
            urllib.request.urlopen(server.url + "/healthz", timeout=2)


def test_processes_without_haproxy_names_the_package(tmp_path: Path) -> None:
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    env = {**os.environ, "PATH": str(bare_path), "WORKSHOP_DATA_DIR": str(tmp_path / "data")}
    # The real command, with HAProxy out of reach: an empty PATH, and no sbin fallback.
    script = ("import sys, workshop.supervisor as supervisor; supervisor.SBIN = ''; "
              "from workshop.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", script, "serve", "--processes", "2",
                           "--host", "127.0.0.1", "--port", str(free_port())],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "haproxy" in done.stderr and "apt-get install haproxy" in done.stderr, done.stderr
    assert not (tmp_path / "data" / "redis").exists(), "nothing is started before the check"


def test_processes_share_the_private_redis_and_stop_with_it(tmp_path: Path) -> None:
    # The README's way: no WORKSHOP_REDIS_URL, so `serve` starts its own Redis for every process.
    with running_server(None, tmp_path, WORKSHOP_PROCESSES="2") as server:
        wait_for(lambda: len(worker_pids(server.process.pid)) == 2, what="the app processes")
        session = server.start_session()
        phones = [Phone(server.url, session["code"], "websocket") for _ in range(4)]
        assert all(phone.ready.wait(10) for phone in phones)
        private = redis.Redis(unix_socket_path=str(tmp_path / "redis" / "redis.sock"), decode_responses=True)
        wait_for(lambda: sum(online_by_process(private, session["id"])) == 4, what="the phones counted in it")
        assert len(online_by_process(private, session["id"])) == 2, "both processes hold phones"
        redis_server = next(pid for pid, command in processes() if str(tmp_path / "redis") in command)
        for phone in phones:
            phone.client.disconnect()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)
    wait_for(lambda: not running(redis_server), what="the private Redis to stop")


def test_the_balancer_speaks_http1_only_and_refuses_oversized_bodies_with_json(redis_url: str,
                                                                              tmp_path: Path) -> None:
    import socket

    with cluster(redis_url, tmp_path) as server:
        host, port = server.url.removeprefix("http://").split(":")
        # HTTP/2 with prior knowledge: each stream would be a connection to a process, past the cap per address.
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            answer = connection.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:40]
        big = b"x" * (16 * 1024 + 1)
        request = urllib.request.Request(f"{server.url}/socket.io/?EIO=4&transport=polling&sid=nope", data=big,
                                         method="POST", headers={"Content-Type": "text/plain"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 413
        assert json.loads(refused.value.read())["error"] == "too_large"


def refused_from_headers(url: str, path: str, length: int) -> tuple[int, dict[str, Any]]:
    """What the balancer answers to a PUT announcing `length` bytes, from its headers alone (no body is sent: the
    balancer answers before reading one, and a client still sending would see its pipe broken)."""
    import http.client

    from tests.conftest import FACILITATOR_TOKEN

    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("PUT", path)
        for name, value in (("Authorization", f"Bearer {FACILITATOR_TOKEN}"), ("Content-Type", "image/png"),
                            ("Content-Length", str(length))):
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_deck_saves_pass_the_balancer_and_processes_agree_on_versions(redis_url: str, tmp_path: Path) -> None:
    """A deck larger than a Socket.IO message goes through HAProxy; of racing saves of one version, one wins.
    A picture larger than a deck goes through too, up to the picture limit."""
    import hashlib
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import FACILITATOR_TOKEN
    from tests.pictures import png
    from workshop.media import MAX_IMAGE_BYTES

    decks = tmp_path / "decks"
    decks.mkdir()
    deck = "title: Big\nslides:\n  - title: One\n" + "# padding\n" * 5000  # ~50 KB: past the 16 KB message limit
    (decks / "big.yaml").write_text(deck)
    etag = f'"{hashlib.sha256(deck.encode()).hexdigest()}"'

    def save(number: int) -> int:
        request = urllib.request.Request(f"{server.url}/api/decks/big", method="PUT",
                                         data=deck.replace("Big", f"Saved by {number}").encode(),
                                         headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}",
                                                  "Content-Type": "application/yaml", "If-Match": etag})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def upload(name: str, size: int) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(f"{server.url}/api/decks/big/media/{name}", method="PUT",
                                         data=png() + b"\x00" * (size - len(png())),
                                         headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}",
                                                  "Content-Type": "image/png"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), json.loads(error.read())

    with cluster(redis_url, tmp_path / "data", WORKSHOP_DECKS_DIR=str(decks)) as server, \
            ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(save, range(6)))
        picture = upload("big.png", MAX_IMAGE_BYTES)  # twice the deck API's body limit
        refused = refused_from_headers(server.url, "/api/decks/big/media/huge.png", MAX_IMAGE_BYTES + 1)
    assert statuses == [200] + [409] * 5
    assert (decks / "big.yaml").read_text().startswith("title: Saved by ")
    assert picture[0] == 201 and (decks / "big" / "big.png").stat().st_size == MAX_IMAGE_BYTES
    assert refused == (413, {"error": "too_large", "message": f"a picture may be at most {MAX_IMAGE_BYTES} bytes"})
    assert not (decks / "big" / "huge.png").exists()
