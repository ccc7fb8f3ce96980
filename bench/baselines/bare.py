"""The stack's ceiling: a bare python-socketio server on eventlet that only acknowledges answers.

    python -m bench.baselines.bare --port 5001
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable

import eventlet
import eventlet.wsgi
import socketio

server = socketio.Server(async_mode="eventlet")


@server.on("submit_answer")
def submit_answer(sid: str, data: object) -> dict[str, object]:
    """Acknowledge, and nothing else."""
    return {"ok": True}


def healthz(environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
    """Every path that is not Socket.IO's: the readiness check bench.scale waits for."""
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"status": "ok"}']


def main() -> None:
    """Listen on 127.0.0.1 until killed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    # The same listening socket as Flask-SocketIO's eventlet runner; max_size raised as workshop does
    # (eventlet's default pool of 1,024 would stall phone number 1,025).
    eventlet.wsgi.server(eventlet.listen(("127.0.0.1", port)), socketio.WSGIApp(server, healthz),
                         log_output=False, max_size=10_000)


if __name__ == "__main__":
    main()
