"""Socket.IO's message queue over Redis pub/sub: how an emit on one process reaches clients on every other."""

from __future__ import annotations

import redis
import socketio

CHANNEL = "workshop:socketio"


class RedisQueue(socketio.RedisManager):  # type: ignore[misc]  # python-socketio ships no types
    """python-socketio's Redis manager with a bounded, waiting connection pool, for every Redis URL we take.

    Two reasons not to let Flask-SocketIO build its own: it only recognises `redis://` URLs (the private
    Redis is a `unix://` socket, which it would hand to Kombu), and redis-py's default pool raises
    `MaxConnectionsError` instead of waiting when many green threads publish at once.
    """

    def __init__(self, url: str, pool_size: int = 16):
        super().__init__(url, channel=CHANNEL)
        self.pool_size = pool_size

    def _redis_connect(self) -> None:
        # No socket timeout: the subscriber blocks on its connection until a message arrives.
        pool = redis.BlockingConnectionPool.from_url(self.redis_url, max_connections=self.pool_size, timeout=5,
                                                     socket_connect_timeout=2, health_check_interval=30)
        self.redis = redis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self.connected = True
