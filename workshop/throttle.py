"""Failed join-code lookups per client address, shared by the phone page and Socket.IO connects."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator


class FailureThrottle:
    """Failed lookups per client address, in this process's memory only.

    An address is kept only as a keyed hash (the key is random per process), never as itself, and only
    while it has recent failures; at most `max_clients` addresses are tracked, the stalest dropped first.
    """

    def __init__(self, limit: int = 30, window: float = 60.0, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.max_clients, self.clock = limit, window, max_clients, clock
        self._salt = secrets.token_bytes(16)
        self._failures: OrderedDict[bytes, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, address: str) -> bytes:
        return hashlib.blake2b(address.encode(errors="replace"), key=self._salt, digest_size=16).digest()

    def retry_after(self, address: str) -> float:
        """Seconds until this address may try again; 0 while it is under the limit."""
        with self._lock:
            failures = self._failures.get(self._key(address))
            if failures is None or len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window - self.clock())

    def failed(self, address: str) -> None:
        """Count one failed lookup of this address."""
        key, now = self._key(address), self.clock()
        with self._lock:
            failures = self._failures.pop(key, None) or deque(maxlen=self.limit)
            failures.append(now)
            self._failures[key] = failures  # now the most recent
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            while self._failures:  # forget addresses whose last failure is out of the window
                oldest = next(iter(self._failures.values()))
                if oldest[-1] + self.window > now:
                    break
                self._failures.popitem(last=False)

    def tracked(self) -> Iterator[bytes]:
        """The hashed addresses tracked now (for tests)."""
        with self._lock:
            return iter(list(self._failures))
