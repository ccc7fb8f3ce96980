"""workshop: a self-hosted server for live, anonymous group workshops."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .config import Settings


def create_app(test_config: Settings | Mapping[str, object] | None = None) -> Flask:
    """Build the app: settings, Redis, the use cases, HTTP routes, Socket.IO and background work, in one place."""
    # Imports live here so that `workshop serve` can monkey-patch (eventlet/gevent) before anything
    # imports socket or threading.
    from datetime import timedelta

    from flask import Flask
    from flask_socketio import SocketIO

    from .broadcast import ResultsBroadcaster
    from .catalogues import Catalogues
    from .config import PROJECT_ROOT, ConfigError, Settings
    from .deck_api import bp as deck_api
    from .deck_editor import bp as deck_editor
    from .deck_library import bp as deck_library
    from .deck_media_api import bp as deck_media_api
    from .i18n import install_i18n
    from .live import Workshop
    from .logins import Logins
    from .logs import AccessLog
    from .sockets import WorkshopNamespace
    from .statics import install_static
    from .store import Store, connect
    from .transport import install_transport_guards
    from .web import bp

    settings = test_config if isinstance(test_config, Settings) else Settings.load(overrides=test_config)
    settings = settings.completed()
    if not settings.redis_url:
        raise ConfigError("set WORKSHOP_REDIS_URL, or run `workshop serve`, which starts its own Redis")
    # static_folder=None: /static/ is served by statics.py (fingerprints, compression, caching).
    app = Flask("workshop", template_folder=str(PROJECT_ROOT / "templates"), static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret("secret_key"),
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="workshop",
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    live = Workshop(Store(connect(settings.redis_url)), settings)
    app.extensions["workshop_settings"] = settings
    app.extensions["workshop"] = live
    app.extensions["workshop_logins"] = Logins(live.store.redis)  # browser logins (workshop/logins.py)
    app.register_blueprint(bp)
    app.register_blueprint(deck_api)
    app.register_blueprint(deck_library)
    app.register_blueprint(deck_media_api)
    app.register_blueprint(deck_editor)
    install_static(app, PROJECT_ROOT / "static")
    install_i18n(app, Catalogues(settings.translations_dir))

    from .fanout import RedisQueue

    socketio = SocketIO(
        app,
        async_mode=settings.async_mode,
        # Several processes: every emit to a room crosses Redis pub/sub (None: this process is the room).
        client_manager=RedisQueue(settings.message_queue) if settings.message_queue else None,
        max_http_buffer_size=settings.max_message_bytes,
        # Same-origin only (the default): never "*".
        logger=False,
        engineio_logger=False,
    )
    install_transport_guards(app, socketio, settings)
    broadcaster = ResultsBroadcaster(socketio, live, settings.results_interval_ms)
    socketio.on_namespace(WorkshopNamespace(live, broadcaster, settings.events_per_second))
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so Socket.IO's handshake environ (kept for the connection's life) carries the client's
        # address too: the join limits count per client, not per load balancer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)  # type: ignore[method-assign]
    if settings.access_log:
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]  # outside Socket.IO's middleware
    app.extensions["workshop_socketio"] = socketio
    app.extensions["workshop_broadcaster"] = broadcaster
    # Coalesced results and the retention sweep run from the start, not from the first connection: a
    # server nobody connects to must still end forgotten sessions.
    broadcaster.start()
    return app
