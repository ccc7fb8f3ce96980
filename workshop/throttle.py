"""Failed join-code lookups per client address, shared by the phone page and Socket.IO connects."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import redis


class SharedFailureThrottle:
    """Failed lookups per client address, counted in Redis so every server process sees the same count.

    Per-process counts let a guesser try N times as often behind N processes, and worse: the process that
    refuses an address's new phones holds the fewest connections, so the balancer sent most of a venue's
    phones to it (measured: 30 wrong codes to one process of three refused 22 of 24 phones behind the same
    address). An address is kept only as a keyed hash (the key derives from the server's secret), for one
    window: the same as the join limits' windows in `store.py`.
    """

    PREFIX = "ws:throttle:"

    def __init__(self, client: redis.Redis, secret: str, limit: int = 30, window: int = 60):
        self.client, self.limit, self.window = client, limit, window
        self._key_of = hashlib.blake2b(secret.encode(), person=b"join-throttle", digest_size=32).digest()

    def _key(self, address: str) -> str:
        digest = hashlib.blake2b(address.encode(errors="replace"), key=self._key_of, digest_size=16).hexdigest()
        return self.PREFIX + digest

    def retry_after(self, address: str) -> float:
        """Seconds until this address may try again; 0 while it is under the limit (or Redis is away)."""
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(self._key(address))
            pipe.pttl(self._key(address))
            count, milliseconds = pipe.execute()
        except redis.RedisError:
            return 0.0  # joining fails on its own then; the throttle must not add a second reason
        if count is None or int(count) < self.limit:
            return 0.0
        return max(0.0, int(milliseconds) / 1000)

    def failed(self, address: str) -> None:
        """Count one failed lookup of this address (the window starts with its first failure)."""
        key = self._key(address)
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(key)
            pipe.expire(key, self.window, nx=True)
            pipe.execute()
        except redis.RedisError:
            pass

    def tracked(self) -> Iterator[str]:
        """The hashed addresses tracked now (for tests)."""
        return iter(list(self.client.scan_iter(match=self.PREFIX + "*", count=1000)))
