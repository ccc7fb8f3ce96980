"""What a quick implementation does: each answer is a HINCRBY, then fresh results go to the whole room.

Flask-SocketIO on eventlet with redis-py, the wire shape of workshop as far as bench.scale needs it: start a
session over HTTP, connect with `{"code"}` or `{"session", "key"}`, `open_poll`, `set_results_visible`,
`submit_answer` (acknowledged), `results_updated` to everyone, `results.json` for the stored total.

    python -m bench.baselines.naive --port 5001 --redis unix:///tmp/redis.sock
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402  (after the monkey-patch, as every eventlet app)

import redis  # noqa: E402
from flask import Flask, jsonify  # noqa: E402
from flask.typing import ResponseReturnValue  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

SESSION, CODE, POLL, OPTIONS = "naive", "NAIVE1", "warmup_word", 6
COUNTS = f"naive:{POLL}:counts"

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet")
store: redis.Redis = redis.Redis()  # replaced in main()
poll = {"id": POLL, "type": "single", "options": [f"option {n}" for n in range(OPTIONS)], "status": "closed",
        "results_visible": False}


def results() -> dict[str, object]:
    """The fresh tally, read back from Redis."""
    stored = store.hgetall(COUNTS)
    counts = [int(stored.get(str(option).encode(), 0)) for option in range(OPTIONS)]
    return {"poll": POLL, "total": sum(counts), "counts": counts}


@app.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Ready."""
    return jsonify(status="ok")


@app.post("/api/sessions")
def start_session() -> ResponseReturnValue:
    """The one session there is."""
    return jsonify(id=SESSION, code=CODE, facilitator_url="/?key=facilitator", presenter_url="/?key=presenter"), 201


@app.get("/api/sessions/<session_id>/results.json")
def results_json(session_id: str) -> ResponseReturnValue:
    """What Redis holds."""
    return jsonify(session={"id": SESSION}, polls=[{**results(), "id": POLL, "suppressed": False}])


@socketio.on("connect")
def connect(auth: object = None) -> None:
    """Everyone joins one room and gets the poll."""
    join_room(SESSION)
    emit("session_state", {"session": {"id": SESSION, "code": CODE}, "poll": poll})


@socketio.on("open_poll")
def open_poll(data: dict[str, object]) -> dict[str, object]:
    """Open the poll for everyone."""
    poll["status"] = "open"
    socketio.emit("poll_changed", poll, to=SESSION)
    return {"ok": True, "poll": poll}


@socketio.on("set_results_visible")
def set_results_visible(data: dict[str, object]) -> dict[str, object]:
    """Reveal results (they go to everyone anyway)."""
    poll["results_visible"] = bool(data.get("visible"))
    socketio.emit("poll_changed", poll, to=SESSION)
    return {"ok": True, "poll": poll}


@socketio.on("submit_answer")
def submit_answer(data: dict[str, object]) -> dict[str, object]:
    """Count the answer, broadcast the fresh tally to the whole room, acknowledge."""
    value = data.get("value")
    if poll["status"] != "open" or not isinstance(value, int) or not 0 <= value < OPTIONS:
        return {"ok": False, "error": "invalid_payload"}
    store.hincrby(COUNTS, str(value), 1)
    socketio.emit("results_updated", results(), to=SESSION)
    return {"ok": True, "poll": POLL, "value": value}


def main() -> None:
    """Listen on 127.0.0.1 until killed."""
    global store
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    # A blocking pool: redis-py's default pool raises when hundreds of green threads ask at once.
    store = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(args.redis, max_connections=50))
    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False, max_size=10_000)


if __name__ == "__main__":
    main()
