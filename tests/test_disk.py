"""What someone reading the disk finds after a session ends: no phone-to-answer mapping in Redis's files."""

from __future__ import annotations

import time
from pathlib import Path

import redis as redis_lib

from tests.conftest import app_config, key_of
from tests.test_redis_outage import start_aof_redis
from workshop import create_app
from workshop.store import participant_hash

SECRET_WORD = "marmalade-lighthouse"


def persisted(directory: Path) -> bytes:
    """Every byte Redis keeps on disk: the append-only files and any snapshot."""
    return b"".join(path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()
                    and path.suffix in (".aof", ".rdb", ".manifest"))


def test_ending_a_session_removes_the_mapping_from_the_append_only_file(tmp_path: Path) -> None:
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    process = start_aof_redis(redis_dir)
    app = create_app(app_config(f"unix://{redis_dir / 'r.sock'}", tmp_path / "data"))
    try:
        http = app.test_client()
        started = http.post("/api/sessions", json={"deck": "interdependence"},
                            headers={"Authorization": "Bearer facilitator-token-for-tests"}).get_json()
        socketio = app.extensions["workshop_socketio"]
        facilitator = socketio.test_client(app, auth={"session": started["id"],
                                                      "key": key_of(started["facilitator_url"])})
        phones = [socketio.test_client(app, auth={"code": started["code"]}) for _ in range(3)]
        tokens = [next(m["args"][0]["participant"] for m in phone.get_received() if m["name"] == "session_state")
                  for phone in phones]
        for poll, value in (("warmup_word", 2), ("keep_self", SECRET_WORD)):
            assert facilitator.emit("open_poll", {"poll": poll}, callback=True)["ok"]
            for phone in phones:
                assert phone.emit("submit_answer", {"poll": poll, "value": value}, callback=True)["ok"]
        hashes = [participant_hash(token).encode() for token in tokens]
        on_disk = persisted(redis_dir)
        assert b":answers" in on_disk and hashes[0] in on_disk, "the log held the mapping while the session ran"

        assert facilitator.emit("end_session", {}, callback=True)["ok"]
        client = redis_lib.Redis(unix_socket_path=str(redis_dir / "r.sock"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            rewriting = client.info("persistence")["aof_rewrite_in_progress"]
            if not rewriting and b":answers" not in persisted(redis_dir):
                break
            time.sleep(0.1)
        on_disk = persisted(redis_dir)
        assert b":answers" not in on_disk and b":participants" not in on_disk
        assert not any(digest in on_disk for digest in hashes), "no participant hash left on disk"
        assert SECRET_WORD.encode() in on_disk, "the aggregates themselves are kept (as counts)"
    finally:
        app.extensions["workshop_broadcaster"].stop(wait_seconds=5)
        process.terminate()
        process.wait(timeout=10)
