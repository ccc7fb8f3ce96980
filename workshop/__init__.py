"""workshop: a self-hosted server for live, anonymous group workshops."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, Redis, the use cases, HTTP routes and Socket.IO, wired in one place."""
    # Imports live here so that `workshop serve` can monkey-patch (eventlet/gevent) before anything
    # imports socket or threading.
    from datetime import timedelta

    from flask import Flask
    from flask_socketio import SocketIO

    from .broadcast import ResultsBroadcaster
    from .config import PROJECT_ROOT, ConfigError, from_environment
    from .live import Workshop
    from .sockets import WorkshopNamespace
    from .store import Store, connect
    from .web import bp

    settings = from_environment(overrides=test_config)
    if not settings["REDIS_URL"]:
        raise ConfigError("set WORKSHOP_REDIS_URL, or run `workshop serve`, which starts its own Redis")
    app = Flask("workshop", template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "static"))
    app.config.update({f"WORKSHOP_{name}": value for name, value in settings.items()})
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        TESTING=bool(settings.get("TESTING")),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="workshop",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    store = Store(connect(settings["REDIS_URL"]))
    live = Workshop(store, settings["PUBLIC_URL"], settings["MIN_RESPONSES"], settings["RETENTION_DAYS"],
                    settings["AUTO_END_HOURS"])
    app.extensions["workshop"] = live
    app.register_blueprint(bp)

    socketio = SocketIO(
        app,
        async_mode=settings["ASYNC_MODE"],
        message_queue=settings["MESSAGE_QUEUE"],
        max_http_buffer_size=settings["MAX_MESSAGE_BYTES"],
        # Same-origin only (the default): never "*".
        logger=False,
        engineio_logger=False,
    )
    broadcaster = ResultsBroadcaster(socketio, live, settings["RESULTS_INTERVAL_MS"])
    socketio.on_namespace(WorkshopNamespace(live, broadcaster, settings["EVENTS_PER_SECOND"]))
    app.extensions["workshop_socketio"] = socketio
    app.extensions["workshop_broadcaster"] = broadcaster
    return app
