"""Coalesced results: answers mark a poll dirty; one background task sends one snapshot per poll per tick."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import redis
from flask_socketio import SocketIO

from .live import LiveError, Workshop
from .pacing import Pacer
from .payloads import RoomState

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
HEARTBEAT_SECONDS = 5
# A poll that keeps failing to send is retried every tick; its traceback is logged once, then at most this often.
FAILURE_LOG_SECONDS = 60


def room(session_id: str, audience: str) -> str:
    """The Socket.IO room of one audience of a session: 'all', 'facilitator', 'presenter' or 'participant'."""
    return f"{session_id}:{audience}"


class ResultsBroadcaster:
    """Sends `results_updated` and `participant_count` at most once per tick per poll or session.

    The tick is WORKSHOP_RESULTS_INTERVAL_MS while the process keeps up, longer while it is busy (pacing.py).

    Broadcasting on every answer costs O(participants x answers); coalescing keeps it O(participants) per
    tick. Across processes a short Redis lock lets one process send a poll per tick; a process that loses
    the lock keeps the poll dirty and retries, so the last snapshot always follows the last answer.
    """

    def __init__(self, socketio: SocketIO, live: Workshop, interval_ms: int):
        self.socketio = socketio
        self.live = live
        self.pacer = Pacer(interval_ms / 1000)
        self._lock = threading.Lock()
        self._polls: dict[tuple[str, str], bool] = {}  # dirty polls -> whether their audience changed
        self._counts: set[str] = set()
        self._reactions: dict[str, bool] = {}  # sessions with reactions to send -> whether the slide changed
        self._questions: set[str] = set()  # sessions whose Q&A changed
        self._local: Counter[str] = Counter()  # session id -> connections on this process
        self._sent_counts: dict[str, RoomState] = {}
        self._failing: dict[tuple[str, str], float] = {}  # polls failing to send -> when that was last logged
        self._started = False
        self._stopped = threading.Event()
        self._finished = threading.Event()

    def start(self) -> None:
        """Start the background task once per process."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self.socketio.start_background_task(self._run)

    def stop(self, wait_seconds: float = 0) -> None:
        """Let the background task finish after its current tick (waiting up to `wait_seconds` for it)."""
        self._stopped.set()
        if wait_seconds and self._started:
            self._finished.wait(wait_seconds)

    def mark_poll(self, session_id: str, poll_id: str, audience_changed: bool = True) -> None:
        """A poll got answers (audience_changed=False: results go out only with a new release), or its audience
        changed (opened, closed, revealed, moderated, shown): the current results go out."""
        with self._lock:
            key = (session_id, poll_id)
            self._polls[key] = self._polls.get(key, False) or audience_changed

    def mark_reactions(self, session_id: str, slide_changed: bool = False) -> None:
        """A reaction was counted (or the slide changed: the console's tally shows the new slide's counts)."""
        with self._lock:
            self._reactions[session_id] = self._reactions.get(session_id, False) or slide_changed

    def mark_questions(self, session_id: str) -> None:
        """A question was asked, voted on or moderated, or Q&A was switched: the lists go out next tick."""
        with self._lock:
            self._questions.add(session_id)

    def mark_count(self, session_id: str) -> None:
        """A participant connected or left."""
        with self._lock:
            self._counts.add(session_id)

    def joined(self, session_id: str) -> None:
        """A client of the session connected to this process."""
        with self._lock:
            self._local[session_id] += 1

    def left(self, session_id: str) -> None:
        """A client of the session left this process."""
        with self._lock:
            self._local[session_id] -= 1
            if self._local[session_id] <= 0:
                del self._local[session_id]
                self._sent_counts.pop(session_id, None)

    def heartbeat(self) -> None:
        """Keep this process's phones counted, and recount every session it serves: phones of a process that
        died stop counting on their own, and the screens here must hear of it."""
        with self._lock:
            here = list(self._local)
            self._counts.update(here)
        self.live.keep_presence(here)

    def _run(self) -> None:
        next_sweep = 0.0  # the first tick sweeps: a restarted server ends what expired while it was down
        next_heartbeat = 0.0
        while not self._stopped.is_set():
            asked = self.pacer.interval
            started = time.monotonic()
            self.socketio.sleep(asked)  # type: ignore[arg-type]  # the stub says int; all modes take float
            self.pacer.woke(time.monotonic() - started, asked)
            try:
                if time.monotonic() >= next_heartbeat:
                    next_heartbeat = time.monotonic() + HEARTBEAT_SECONDS
                    self.heartbeat()
                self.flush()
                self.live.compact_if_due()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_SECONDS
                    self.end_forgotten_sessions()
            except redis.RedisError:
                log.warning("Redis unavailable during a background tick; retrying")  # dirty polls stay dirty
            except Exception:  # the loop must outlive any one bad tick
                log.exception("background tick failed")
        self._finished.set()

    def end_forgotten_sessions(self) -> None:
        """End sessions nobody ended, and tell their clients."""
        ended = self.live.end_forgotten_sessions(time.time())
        if ended:
            log.info("ended %d session(s) nobody ended within the auto-end time", len(ended))
        for session_id in ended:
            self.tell_ended(session_id)

    def tell_ended(self, session_id: str) -> None:
        """Every screen and phone of a session that just ended hears it (through every process)."""
        self.socketio.emit("session_ended", {}, to=room(session_id, "all"))

    def flush(self) -> None:
        """Send what is dirty now."""
        self.flush_questions()
        with self._lock:
            polls, self._polls = self._polls, {}
            counts, self._counts = self._counts, set()
            reactions, self._reactions = self._reactions, {}
        retry: dict[tuple[str, str], bool] = {}
        for key, audience_changed in polls.items():
            try:
                if not self._send_results(*key, audience_changed):
                    retry[key] = audience_changed
                    continue
            except redis.RedisError:
                retry[key] = audience_changed
                continue
            except LiveError:
                pass  # the session is gone: nothing to send
            except Exception:
                # One poll's fault (a bug, a value in Redis that is not what it should be) must neither hold back
                # the other polls and counts taken for this tick nor drop this one: it is tried again next tick,
                # as a changed audience, since the failed try may have released a snapshot it never sent. A fault
                # that stays would log a traceback every tick (4 a second) for the rest of the session: once a minute.
                now = time.monotonic()
                if now - self._failing.get(key, -FAILURE_LOG_SECONDS) >= FAILURE_LOG_SECONDS:
                    self._failing[key] = now
                    log.exception("sending a poll's results failed; trying again every tick")
                retry[key] = True
                continue
            self._failing.pop(key, None)
        for session_id in counts:
            try:
                room_state = self.live.room(session_id)
            except redis.RedisError:
                self.mark_count(session_id)
                continue
            except LiveError:
                continue  # the session is gone
            except Exception:
                log.exception("reading a session's room failed; trying again next tick")
                self.mark_count(session_id)
                continue
            if self._sent_counts.get(session_id) == room_state:
                continue  # the heartbeat recounts every few seconds: send only news
            if session_id in self._local:
                self._sent_counts[session_id] = room_state
            # The facilitator gets the room (joined, lock, cap, refused joins); the projector the count only.
            self.socketio.emit("participant_count", room_state, to=room(session_id, "facilitator"))
            self.socketio.emit("participant_count", {"count": room_state["count"]}, to=room(session_id, "presenter"))
        for (session_id, poll_id), audience_changed in retry.items():
            self.mark_poll(session_id, poll_id, audience_changed)
        for session_id, slide_changed in reactions.items():
            self._send_reactions(session_id, slide_changed)

    def _send_reactions(self, session_id: str, slide_changed: bool) -> None:
        """At most one `reactions` per audience per session per tick, whatever the number of taps."""
        lock_ms = self._lock_ms()
        try:
            sent = self.live.reactions_to_send(session_id, lock_ms)
        except redis.RedisError:
            sent = None
        except LiveError:
            return  # the session is gone
        except Exception:
            log.exception("sending a session's reactions failed; trying again next tick")
            sent = None
        if sent is None:  # another process sends this tick, or Redis failed: the taps wait in Redis
            self.mark_reactions(session_id, slide_changed)
            return
        screens, staff = sent
        if screens["counts"]:
            self.socketio.emit("reactions", screens, to=room(session_id, "presenter"))
        if screens["counts"] or slide_changed:
            self.socketio.emit("reactions", staff, to=room(session_id, "facilitator"))

    def _lock_ms(self) -> int:
        """How long a per-tick send lock lives: just under this process's current tick."""
        return max(10, int(self.pacer.interval * 1000) - 20)

    def _send_results(self, session_id: str, poll_id: str, audience_changed: bool) -> bool:
        # The lock spaces this poll's sends across every process by this process's current tick.
        lock_ms = self._lock_ms()
        views = self.live.results_to_send(session_id, poll_id, lock_ms, audience_changed)
        if views is None:
            return False
        for view, payload in views.items():
            self.socketio.emit("results_updated", payload, to=room(session_id, view))
        return True

    def flush_questions(self) -> None:
        """Send each dirty session's questions: one `questions_updated` per audience whose list changed."""
        with self._lock:
            sessions, self._questions = self._questions, set()
        lock_ms = self._lock_ms()
        for session_id in sessions:
            try:
                sending = self.live.questions_to_send(session_id, lock_ms)
            except redis.RedisError:
                sending = None
            except LiveError:
                continue  # the session is gone
            except Exception:
                log.exception("sending a session's questions failed; trying again next tick")
                sending = None
            if sending is None:  # another process sends this tick, or Redis failed: try again next tick
                self.mark_questions(session_id)
                continue
            views, held_back = sending
            if held_back:  # phones or the presenter wait for their slot: ask again next tick
                self.mark_questions(session_id)
            for view, payload in views.items():
                self.socketio.emit("questions_updated", payload, to=room(session_id, view))
