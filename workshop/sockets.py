"""Socket.IO handlers: authenticate, validate the payload, call `live`, emit. Nothing else."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol, cast

import redis
from flask import current_app, request
from flask_socketio import Namespace, SocketIO, join_room
from socketio.exceptions import ConnectionRefusedError

from .broadcast import ResultsBroadcaster, room
from .live import Client, LiveError, Refused, Workshop
from .payloads import Ack, PollPayload, TimerPayload
from .throttle import SharedFailureThrottle
from .web import staff_browser

log = logging.getLogger(__name__)
Payload = dict[str, object]


class RateLimiter:
    """A token bucket per connection: a steady rate with a short burst; persistent abusers are named."""

    # Refusals in a row after which a connection is closed: no phone a person holds sends this many.
    ABUSE_REFUSALS = 100

    def __init__(self, per_second: int):
        self.rate = float(per_second)
        self.burst = float(per_second * 2)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._refused: dict[str, int] = {}

    def allow(self, key: str) -> bool:
        """Spend one token if there is one."""
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            self._refused[key] = self._refused.get(key, 0) + 1
            return False
        self._buckets[key] = (tokens - 1, now)
        self._refused.pop(key, None)
        return True

    def abusing(self, key: str) -> bool:
        """Whether a connection kept sending long after being told to slow down."""
        return self._refused.get(key, 0) >= self.ABUSE_REFUSALS

    def forget(self, key: str) -> None:
        """Drop a closed connection's bucket."""
        self._buckets.pop(key, None)
        self._refused.pop(key, None)


def has_lone_surrogate(value: object, depth: int = 0) -> bool:
    """Whether a decoded JSON value holds a string that is not valid Unicode text (e.g. "\\ud800")."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if depth > 8:
        return False  # deeper payloads are refused as malformed by the handlers anyway
    if isinstance(value, dict):
        return any(has_lone_surrogate(key, depth + 1) or has_lone_surrogate(item, depth + 1)
                   for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_lone_surrogate(item, depth + 1) for item in value)
    return False


class _Manager(Protocol):
    def is_connected(self, sid: str, namespace: str) -> bool: ...


class _Server(Protocol):
    """The part of python-socketio's server we use (it ships no types)."""

    manager: _Manager

    def disconnect(self, sid: str, namespace: str | None = None) -> None: ...


def _error(code: str, message: str = "", details: dict[str, str | int] | None = None) -> Ack:
    ack: Ack = {"ok": False, "error": code, "message": message or code}
    ack.update(details or {})  # type: ignore[typeddict-item]  # LiveError's details are Ack fields
    return ack


def _sid() -> str:
    """The Socket.IO id of the connection being handled."""
    return str(request.sid)  # type: ignore[attr-defined]  # Flask-SocketIO adds `sid` to the request


def _join_throttle() -> SharedFailureThrottle | None:
    """The app's throttle of failed join-code lookups (shared with the phone page)."""
    return cast(SharedFailureThrottle | None, current_app.extensions.get("workshop_join_throttle"))


def _is_code(auth: object) -> bool:
    """Whether a connection's auth is a phone's join code."""
    return isinstance(auth, dict) and "code" in auth


class WorkshopNamespace(Namespace):
    """The default namespace: one handler per contract event."""

    socketio: SocketIO  # set by Flask-SocketIO when the namespace is registered

    def __init__(self, live: Workshop, broadcaster: ResultsBroadcaster, events_per_second: int):
        super().__init__("/")
        self.live = live
        self.broadcaster = broadcaster
        self.limiter = RateLimiter(events_per_second)
        self.clients: dict[str, Client] = {}

    def trigger_event(self, event: str, *args: object) -> object:
        """The handler boundary: every client event is rate-limited and acknowledged, bugs included."""
        sid = str(args[0]) if args else ""
        if event == "connect" and sid not in self.clients:
            return super().trigger_event(event, *args)
        server = cast(_Server, self.socketio.server)  # type: ignore[attr-defined]  # missing from the stub
        if event == "disconnect" and not server.manager.is_connected(sid, "/"):
            # The server's own disconnect: the socket is already marked as going.
            return super().trigger_event(event, *args)
        if not self.limiter.allow(sid):
            if self.limiter.abusing(sid):
                log.warning("closed a connection that kept flooding events")
                server.disconnect(sid, namespace="/")
            return _error("rate_limited", "too many events; slow down")
        if event in ("connect", "disconnect"):
            # A client sending Socket.IO's reserved names as events must not join again or leave the count.
            return _error("invalid_payload", f"'{event}' is not an event a client can send")
        handler = getattr(self, f"on_{event}", None)
        if handler is None:
            return _error("not_found", f"unknown event '{event}'")
        if len(args) > 2:  # the connection id, then at most one payload
            return _error("invalid_payload", "send one object")
        if has_lone_surrogate(args[1:]):
            return _error("invalid_payload", "text must be valid Unicode")
        try:
            # Called directly, with the connection id: Flask-SocketIO would build a Flask request (route
            # matching, the session cookie) for every event, measured at up to a third of an answer's CPU,
            # and no event handler reads it. Only connect (cookie, address) and disconnect get one.
            return handler(sid, *args[1:])
        except Exception:
            # A bug must not leave a phone waiting for an acknowledgement that never comes.
            log.exception("event %s failed", event)
            return _error("internal", "the server failed to handle this; try again")

    # Connections --------------------------------------------------------------------------------------

    def on_connect(self, auth: object = None) -> None:
        """Authenticate, join the session's rooms and send the whole state."""
        try:
            client = self._admit(auth, request.remote_addr or "")
            state = self.live.state_for(client)
            self.live.arrived(client)  # last: a refused connection never raises the live count
        except Refused as refused:
            raise ConnectionRefusedError(str(refused)) from refused
        except LiveError as error:
            reason = "unknown_session" if error.code == "not_found" else error.code
            raise ConnectionRefusedError(reason) from error
        except redis.RedisError as error:
            raise ConnectionRefusedError("unavailable") from error
        except Exception as error:
            log.exception("connect failed")
            raise ConnectionRefusedError("internal") from error
        sid = _sid()
        self.clients[sid] = client
        for audience in ("all", client.view):
            join_room(room(client.session_id, audience))
        # The client is on this process: no need to publish it to every other one through the queue.
        self.socketio.emit("session_state", state, to=sid, ignore_queue=True)  # type: ignore[call-arg]
        self.broadcaster.joined(client.session_id)
        if client.role == "participant":
            self.broadcaster.mark_count(client.session_id)

    def _admit(self, auth: object, address: str) -> Client:
        """Who is connecting, or Refused; a wrong join code counts against the address's guesses."""
        if has_lone_surrogate(auth):
            raise Refused("unauthorized")
        if self.throttled(auth, address):
            raise Refused("rate_limited")
        try:
            return self.live.connect(auth, address, staff_browser())
        except Refused as refused:
            throttle = _join_throttle()
            if throttle is not None and str(refused) == "unknown_session" and _is_code(auth):
                throttle.failed(address)
            raise

    def throttled(self, auth: object, address: str) -> bool:
        """Whether this address made too many wrong code guesses (the join page's limit too) and this is another
        new phone: staff keys and phones that already joined are no guesses, and get in."""
        throttle = _join_throttle()
        return bool(_is_code(auth) and throttle is not None and throttle.retry_after(address) > 0
                    and not self.live.is_returning(auth))

    def on_disconnect(self, reason: object = None) -> None:
        """Forget the connection."""
        sid = _sid()
        client = self.clients.pop(sid, None)
        self.limiter.forget(sid)
        if client is not None:
            self.broadcaster.left(client.session_id)
        if client is not None and client.role == "participant":
            try:
                self.live.disconnect(client)
            except redis.RedisError:
                log.warning("could not update the participant count on disconnect")
            self.broadcaster.mark_count(client.session_id)

    def _handle(self, sid: str, data: object, action: Callable[[Client, Payload], Ack]) -> Ack:
        """The checks every event shares, then the action; every outcome is an acknowledgement."""
        client = self.clients.get(sid)
        if client is None:
            return _error("forbidden", "not connected to a session")
        if not isinstance(data, dict):
            return _error("invalid_payload", "the payload must be an object")
        try:
            return {"ok": True, **action(client, data)}
        except LiveError as error:
            return _error(error.code, error.message, error.details)
        except redis.RedisError:
            log.warning("Redis unavailable while handling an event")
            return _error("unavailable", "the server cannot store this right now; try again")

    # Participant --------------------------------------------------------------------------------------

    def on_submit_answer(self, sid: str, data: object = None) -> Ack:
        """Store an answer, then acknowledge; results follow on the next tick."""

        def submit(client: Client, payload: Payload) -> Ack:
            stored = self.live.submit_answer(client, payload.get("poll"), payload.get("value"))
            self.broadcaster.mark_poll(client.session_id, str(stored["poll"]), audience_changed=False)
            return {"poll": stored["poll"], "value": stored["value"]}

        return self._handle(sid, data, submit)

    def on_react(self, sid: str, data: object = None) -> Ack:
        """Count a reaction; the screens get it, with every other, on the next tick."""

        def react(client: Client, payload: Payload) -> Ack:
            emoji = self.live.react(client, payload.get("emoji"))
            self.broadcaster.mark_reactions(client.session_id)
            return {"emoji": emoji}

        return self._handle(sid, data, react)

    # Facilitator --------------------------------------------------------------------------------------

    def on_set_reactions(self, sid: str, data: object = None) -> Ack:
        """Switch reactions on or off; every phone shows or hides its buttons."""

        def switch(client: Client, payload: Payload) -> Ack:
            state = self.live.set_reactions(client, payload.get("enabled"))
            self.socketio.emit("reactions_changed", state, to=room(client.session_id, "all"))
            return {"reactions": state}

        return self._handle(sid, data, switch)

    def on_go_to_slide(self, sid: str, data: object = None) -> Ack:
        """Move everyone to a slide."""

        def step(client: Client, payload: Payload) -> Ack:
            slide = self.live.go_to_slide(client, payload.get("index"))
            self.socketio.emit("slide_changed", slide, to=room(client.session_id, "all"))
            self.broadcaster.mark_reactions(client.session_id, slide_changed=True)
            self.broadcaster.mark_questions(client.session_id)  # a `qa: true` slide opens Q&A
            if slide["poll"]:
                self.broadcaster.mark_poll(client.session_id, str(slide["poll"]["id"]))
            return {"index": slide["index"]}

        return self._handle(sid, data, step)

    def _poll_event(self, sid: str, data: object, change: Callable[[Client, Payload], PollPayload]) -> Ack:
        def apply(client: Client, payload: Payload) -> Ack:
            poll = change(client, payload)
            self.socketio.emit("poll_changed", poll, to=room(client.session_id, "all"))
            self.broadcaster.mark_poll(client.session_id, str(poll["id"]))
            return {"poll": poll}

        return self._handle(sid, data, apply)

    def on_open_poll(self, sid: str, data: object = None) -> Ack:
        """Open a poll for answers."""
        return self._poll_event(sid, data, lambda client, p: self.live.set_poll_open(client, p.get("poll"), True))

    def on_close_poll(self, sid: str, data: object = None) -> Ack:
        """Close a poll."""
        return self._poll_event(sid, data, lambda client, p: self.live.set_poll_open(client, p.get("poll"), False))

    def on_set_results_visible(self, sid: str, data: object = None) -> Ack:
        """Reveal results to phones, or hide them."""
        return self._poll_event(
            sid, data, lambda client, p: self.live.set_results_visible(client, p.get("poll"), p.get("visible")))

    def on_set_text_view(self, sid: str, data: object = None) -> Ack:
        """Switch a text poll between word cloud and list."""
        return self._poll_event(
            sid, data, lambda client, p: self.live.set_results_view(client, p.get("poll"), p.get("view")))

    def on_hide_answer(self, sid: str, data: object = None) -> Ack:
        """Moderate one text answer off the screens."""

        def hide(client: Client, payload: Payload) -> Ack:
            poll = self.live.hide_answer(client, payload.get("poll"), payload.get("text"), payload.get("hidden"))
            self.broadcaster.mark_poll(client.session_id, poll.id)
            return {}

        return self._handle(sid, data, hide)

    def on_set_room(self, sid: str, data: object = None) -> Ack:
        """Lock the room to new participants, or cap how many may join."""

        def change(client: Client, payload: Payload) -> Ack:
            room_state = self.live.set_room(client, payload.get("locked"), payload.get("cap"))
            self.socketio.emit("room_changed", room_state, to=room(client.session_id, "facilitator"))
            return {"room": room_state}

        return self._handle(sid, data, change)

    def on_set_qr_overlay(self, sid: str, data: object = None) -> Ack:
        """Show or hide the big QR code on the presenter screen."""

        def overlay(client: Client, payload: Payload) -> Ack:
            visible = self.live.set_qr_overlay(client, payload.get("visible"))
            self.socketio.emit("qr_overlay", {"visible": visible}, to=room(client.session_id, "all"))
            return {"visible": visible}

        return self._handle(sid, data, overlay)

    def on_set_blank(self, sid: str, data: object = None) -> Ack:
        """Blank the projector, or show it again (the console's and presenter's `b`)."""

        def blank(client: Client, payload: Payload) -> Ack:
            shown = self.live.set_blank(client, payload.get("blank"))
            # To the staff screens only: phones have nothing to blank.
            for audience in ("presenter", "facilitator"):
                self.socketio.emit("blank", {"blank": shown}, to=room(client.session_id, audience))
            return {"blank": shown}

        return self._handle(sid, data, blank)

    def on_set_phone_slides(self, sid: str, data: object = None) -> Ack:
        """Show each slide's content on phones too, or only its title (the console's switch)."""

        def phone_slides(client: Client, payload: Payload) -> Ack:
            visible = self.live.set_phone_slides(client, payload.get("visible"))
            self.socketio.emit("phone_slides", {"visible": visible}, to=room(client.session_id, "all"))
            return {"visible": visible}

        return self._handle(sid, data, phone_slides)

    def on_reset_poll(self, sid: str, data: object = None) -> Ack:
        """Clear every answer to a poll; phones may answer it again, every screen starts from nothing."""

        def reset(client: Client, payload: Payload) -> Ack:
            poll = self.live.reset_poll(client, payload.get("poll"))
            self.socketio.emit("poll_reset", {"poll": poll}, to=room(client.session_id, "all"))
            self.broadcaster.mark_poll(client.session_id, str(poll["id"]))
            return {"poll": poll}

        return self._handle(sid, data, reset)

    def on_start_timer(self, sid: str, data: object = None) -> Ack:
        """Start the countdown on the presenter screen and the phones (`{"seconds": N}`)."""
        return self._timer_event(sid, data, lambda client, p: self.live.start_timer(client, p.get("seconds")))

    def on_stop_timer(self, sid: str, data: object = None) -> Ack:
        """Stop the countdown and take it off every screen."""
        return self._timer_event(sid, data, lambda client, p: self.live.stop_timer(client))

    def _timer_event(self, sid: str, data: object, change: Callable[[Client, Payload], TimerPayload]) -> Ack:
        def apply(client: Client, payload: Payload) -> Ack:
            timer = change(client, payload)
            self.socketio.emit("timer", timer, to=room(client.session_id, "all"))
            return {"timer": timer}

        return self._handle(sid, data, apply)

    def on_end_session(self, sid: str, data: object = None) -> Ack:
        """End the session for everyone."""

        def end(client: Client, payload: Payload) -> Ack:
            self.live.end_session(client)
            self.broadcaster.tell_ended(client.session_id)
            return {}

        return self._handle(sid, data, end)

    # Anonymous questions (Q&A) ------------------------------------------------------------------------
    # Every change marks the session's questions dirty; the broadcaster's tick sends each audience its list
    # (only if it changed), so a room voting at once costs one `questions_updated` per audience per tick.

    def on_ask_question(self, sid: str, data: object = None) -> Ack:
        """A phone asks a question (shown at once, or kept for the facilitator's approval)."""

        def ask(client: Client, payload: Payload) -> Ack:
            asked = self.live.ask_question(client, payload.get("text"))
            self.broadcaster.mark_questions(client.session_id)
            return {"question": asked["question"], "status": asked["status"]}

        return self._handle(sid, data, ask)

    def on_vote_question(self, sid: str, data: object = None) -> Ack:
        """A phone votes for a shown question, or takes its vote back."""

        def vote(client: Client, payload: Payload) -> Ack:
            voted = self.live.vote_question(client, payload.get("question"), payload.get("vote"))
            if voted["changed"]:
                self.broadcaster.mark_questions(client.session_id)
            return {"question": str(voted["question"]), "votes": int(str(voted["votes"]))}

        return self._handle(sid, data, vote)

    def on_set_qa(self, sid: str, data: object = None) -> Ack:
        """The facilitator opens or closes Q&A, or sets its moderation."""

        def change(client: Client, payload: Payload) -> Ack:
            qa = self.live.set_qa(client, payload.get("open"), payload.get("moderation"))
            self.broadcaster.mark_questions(client.session_id)
            return {"qa": qa}

        return self._handle(sid, data, change)

    def on_moderate_question(self, sid: str, data: object = None) -> Ack:
        """The facilitator approves, hides, marks answered, pins or unpins a question."""

        def moderate(client: Client, payload: Payload) -> Ack:
            qid = self.live.moderate_question(client, payload.get("question"), payload.get("action"))
            self.broadcaster.mark_questions(client.session_id)
            return {"question": qid}

        return self._handle(sid, data, moderate)
