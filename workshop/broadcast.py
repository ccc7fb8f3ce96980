"""Coalesced results: answers mark a poll dirty; one background task sends one snapshot per poll per tick."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis

from .live import LiveError, Workshop

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60


def rooms(session_id: str, *views: str) -> list[str]:
    """Socket.IO room names of a session's audiences ('all', 'facilitator', 'presenter', 'participant')."""
    return [f"{session_id}:{view}" for view in views]


class ResultsBroadcaster:
    """Sends `results_updated` and `participant_count` at most once per interval per poll or session.

    Broadcasting on every answer costs O(participants x answers); coalescing keeps it O(participants) per
    tick. Across processes a short Redis lock lets one process send a poll per tick; a process that loses
    the lock keeps the poll dirty and retries, so the last snapshot always follows the last answer.
    """

    def __init__(self, socketio: Any, live: Workshop, interval_ms: int):
        self.socketio = socketio
        self.live = live
        self.interval = interval_ms / 1000
        self._lock = threading.Lock()
        self._polls: set[tuple[str, str]] = set()
        self._counts: set[str] = set()
        self._started = False

    def start(self) -> None:
        """Start the background task once per process."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self.socketio.start_background_task(self._run)

    def mark_poll(self, session_id: str, poll_id: str) -> None:
        """A poll's results changed or its audience did."""
        with self._lock:
            self._polls.add((session_id, poll_id))

    def mark_count(self, session_id: str) -> None:
        """A participant connected or left."""
        with self._lock:
            self._counts.add(session_id)

    def _run(self) -> None:
        next_sweep = 0.0
        while True:
            self.socketio.sleep(self.interval)
            try:
                self.flush()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_SECONDS
                    self.end_forgotten_sessions()
            except Exception:  # the loop must outlive any one bad tick
                log.exception("results flush failed")

    def end_forgotten_sessions(self) -> None:
        """End sessions nobody ended, and tell their clients."""
        for session_id in self.live.end_forgotten_sessions(time.time()):
            self.socketio.emit("session_ended", {}, to=rooms(session_id, "all"))

    def flush(self) -> None:
        """Send what is dirty now."""
        with self._lock:
            polls, self._polls = self._polls, set()
            counts, self._counts = self._counts, set()
        retry: set[tuple[str, str]] = set()
        for session_id, poll_id in polls:
            try:
                if not self._send_results(session_id, poll_id):
                    retry.add((session_id, poll_id))
            except redis.RedisError:
                retry.add((session_id, poll_id))
            except LiveError:
                pass  # the session is gone: nothing to send
        for session_id in counts:
            try:
                count = self.live.participant_count(session_id)
            except redis.RedisError:
                self.mark_count(session_id)
                continue
            self.socketio.emit("participant_count", {"count": count},
                               to=rooms(session_id, "facilitator", "presenter"))
        with self._lock:
            self._polls |= retry

    def _send_results(self, session_id: str, poll_id: str) -> bool:
        store = self.live.store
        if not store.try_flush_lock(session_id, poll_id, max(10, int(self.interval * 1000) - 20)):
            return False
        session = store.session(session_id)
        if session is None or session.get("status") != "live":
            return True
        poll = self.live.deck_of(session_id, session).poll(poll_id)
        if poll is None:
            return True
        views = self.live.results_views(session_id, poll)
        self.socketio.emit("results_updated", views["facilitator"], to=rooms(session_id, "facilitator"))
        self.socketio.emit("results_updated", views["presenter"], to=rooms(session_id, "presenter"))
        if store.poll_meta(session_id, poll_id).get("visible") == "1":
            self.socketio.emit("results_updated", views["participant"], to=rooms(session_id, "participant"))
        return True
