"""The use cases of a live workshop: start, join, step, open and close polls, answer, end. No socket code."""

from __future__ import annotations

import hmac
import json
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .decks import Deck, DeckError, Poll, parse_deck
from .export import results_document
from .polls import AnswerError, poll_type
from .render import markdown_to_html
from .store import PollClosed, SessionEnded, Store, participant_hash

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read off a projector
CODE_LENGTH = 6
VIEWS = ("facilitator", "presenter", "participant")


class LiveError(Exception):
    """A refused request; `code` is one of the contract's error codes."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


class Refused(Exception):
    """A refused connection; the message is the contract's connect_error code."""


@dataclass(frozen=True)
class Client:
    """Who is on one connection: role, session and, for a phone, its token."""

    role: str
    session_id: str
    view: str
    token: str | None = None

    @property
    def who(self) -> str | None:
        """The participant's token as Redis knows it."""
        return participant_hash(self.token) if self.token else None


@dataclass(frozen=True)
class StartedSession:
    """What the facilitator gets back when a session starts."""

    id: str
    code: str
    facilitator_key: str
    presenter_key: str


def new_code() -> str:
    """A short join code that reads well from the back of a room."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """Accept codes typed in lower case or with spaces."""
    return "".join(code.split()).upper()


def keys_equal(given: Any, expected: str | None) -> bool:
    """Constant-time comparison of a presented secret."""
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


class Workshop:
    """The one API the web and socket layers call."""

    def __init__(self, store: Store, public_url: str, min_responses: int, retention_days: int,
                 auto_end_hours: int = 24):
        self.store = store
        self.auto_end_hours = auto_end_hours
        self.public_url = public_url.rstrip("/")
        self.min_responses = min_responses
        self.retention_days = retention_days
        self._decks: OrderedDict[str, Deck] = OrderedDict()

    # Sessions -----------------------------------------------------------------------------------------

    def start_session(self, deck: Deck) -> StartedSession:
        """Create a live session on a deck."""
        session_id = secrets.token_hex(6)
        started = StartedSession(session_id, new_code(), secrets.token_urlsafe(24), secrets.token_urlsafe(24))
        fields = {
            "id": started.id, "deck": deck.id, "title": deck.title, "deck_source": deck.source,
            "status": "live", "created": datetime.now(UTC).date().isoformat(), "ended": "", "slide": "0",
            "facilitator_key": started.facilitator_key, "presenter_key": started.presenter_key,
            "qr_overlay": "0",
        }
        visible = {poll.id: poll.results_visible for poll in deck.polls()}
        for _ in range(20):
            fields["code"] = started.code
            if self.store.create_session(fields, visible):
                return started
            started = StartedSession(started.id, new_code(), started.facilitator_key, started.presenter_key)
        raise LiveError("unavailable", "could not find a free join code")

    def join_url(self, code: str) -> str:
        """Where phones join."""
        return f"{self.public_url}/j/{code}"

    def deck_of(self, session_id: str, session: dict[str, str] | None = None) -> Deck:
        """The session's own copy of its deck, parsed once per process (Redis is read only the first time)."""
        deck = self._decks.get(session_id)
        if deck is None:
            session = session or self._session(session_id)
            try:
                deck = parse_deck(self.store.deck_source(session_id) or "", session["deck"], f"{session['deck']}.yaml")
            except (DeckError, KeyError) as error:
                raise LiveError("unavailable", "the session's deck cannot be read") from error
            self._decks[session_id] = deck
            while len(self._decks) > 256:
                self._decks.popitem(last=False)
        return deck

    def _session(self, session_id: str) -> dict[str, str]:
        session = self.store.session(session_id)
        if session is None:
            raise LiveError("not_found", "no such session")
        return session

    # Connections --------------------------------------------------------------------------------------

    def connect(self, auth: Any) -> Client:
        """Authenticate a new connection from its auth object, or raise Refused."""
        if not isinstance(auth, dict):
            raise Refused("unauthorized")
        if isinstance(auth.get("code"), str):
            return self._connect_participant(auth)
        session_id, key = auth.get("session"), auth.get("key")
        if not isinstance(session_id, str) or not isinstance(key, str) or len(session_id) > 64:
            raise Refused("unauthorized")
        session = self.store.session(session_id)
        if session is None:
            raise Refused("unknown_session")
        if keys_equal(key, session.get("facilitator_key")):
            view = "presenter" if auth.get("view") == "presenter" else "facilitator"
            client = Client("facilitator", session_id, view)
        elif keys_equal(key, session.get("presenter_key")):
            client = Client("presenter", session_id, "presenter")
        else:
            raise Refused("unauthorized")
        if session.get("status") != "live":
            raise Refused("session_ended")
        return client

    def _connect_participant(self, auth: dict[str, Any]) -> Client:
        code = normalise_code(auth["code"])[:16]
        session_id = self.store.session_by_code(code) if code else None
        session = self.store.session(session_id) if session_id else None
        if session is None:
            raise Refused("unknown_session")
        if session.get("status") != "live":
            raise Refused("session_ended")
        token = auth.get("participant")
        known = isinstance(token, str) and len(token) <= 64
        known = known and self.store.is_participant(session_id, participant_hash(token))
        if not known:
            token = secrets.token_urlsafe(24)
            self.store.register_participant(session_id, participant_hash(token))
        client = Client("participant", session_id, "participant", token)
        self.store.online_change(session_id, client.who or "", 1)
        return client

    def disconnect(self, client: Client) -> None:
        """Forget a closed connection for the live count."""
        if client.role == "participant" and client.who:
            self.store.online_change(client.session_id, client.who, -1)

    def participant_count(self, session_id: str) -> int:
        """Phones connected now."""
        return self.store.online_count(session_id)

    # What clients see ---------------------------------------------------------------------------------

    def state_for(self, client: Client) -> dict[str, Any]:
        """The whole state this client may see, sent when it connects or reconnects."""
        session = self._session(client.session_id)
        deck = self.deck_of(client.session_id, session)
        slide = self.slide_payload(client.session_id, deck, int(session.get("slide", 0)))
        state: dict[str, Any] = {
            "role": client.role,
            "view": client.view,
            "session": {key: session.get(key, "") for key in ("id", "code", "title", "status")},
            "join_url": self.join_url(session["code"]),
            "slide": slide,
            "results": None,
            "qr_overlay": session.get("qr_overlay") == "1",
            "min_responses": self.min_responses,
        }
        poll = slide["poll"]
        if poll and (client.view != "participant" or poll["results_visible"]):
            state["results"] = self.results_for(client.session_id, deck.poll(poll["id"]), client.view)
        if client.role == "participant":
            answers = self.store.answers_of(client.session_id, client.who or "", [p.id for p in deck.polls()])
            state["participant"] = client.token
            state["my_answers"] = {pid: json.loads(stored) for pid, stored in answers.items()}
            state["my_answer"] = state["my_answers"].get(poll["id"]) if poll else None
        else:
            state["participants"] = self.participant_count(client.session_id)
        if client.view == "facilitator":
            state["slides"] = [self._outline(index, item) for index, item in enumerate(deck.slides)]
            state["slide"]["notes"] = deck.slides[slide["index"]].notes
        return state

    @staticmethod
    def _outline(index: int, slide: Any) -> dict[str, Any]:
        poll = slide.poll
        return {"index": index, "title": slide.title, "kind": slide.kind, "notes": slide.notes,
                "poll": {"id": poll.id, "type": poll.type, "question": poll.question} if poll else None}

    def slide_payload(self, session_id: str, deck: Deck, index: int) -> dict[str, Any]:
        """A slide as phones and screens get it."""
        index = max(0, min(index, len(deck.slides) - 1))
        slide = deck.slides[index]
        return {
            "index": index, "count": len(deck.slides), "title": slide.title, "kind": slide.kind,
            "html": markdown_to_html(slide.body),
            "poll": self.poll_payload(session_id, slide.poll) if slide.poll else None,
        }

    def poll_payload(self, session_id: str, poll: Poll) -> dict[str, Any]:
        """A poll with its live status."""
        meta = self.store.poll_meta(session_id, poll.id)
        payload = {"id": poll.id, "type": poll.type, "question": poll.question,
                   "status": "open" if meta.get("status") == "open" else "closed",
                   "results_visible": meta.get("visible", "1" if poll.results_visible else "0") == "1",
                   "total": int(meta.get("total", 0))}
        payload.update(poll_type(poll).public(poll))
        if poll.type == "text":
            payload["view"] = meta.get("view", "cloud")
        return payload

    def results_for(self, session_id: str, poll: Poll | None, view: str) -> dict[str, Any]:
        """One view's results for a poll, suppressed below the anonymity threshold."""
        return self.results_views(session_id, poll)[view] if poll else {}

    def results_views(self, session_id: str, poll: Poll | None) -> dict[str, dict[str, Any]]:
        """Every view's results for a poll from one read of Redis."""
        if poll is None:
            return {}
        tally = self.store.tally(session_id, poll.id)
        base = {"poll": poll.id, "total": tally.total, "min_responses": self.min_responses}
        if tally.total < self.min_responses:
            suppressed = {**base, "suppressed": True, "needed": self.min_responses - tally.total}
            return {view: suppressed for view in VIEWS}
        kind = poll_type(poll)
        public = {**base, "suppressed": False, "needed": 0, **kind.results(poll, tally.shown, tally.total)}
        staff = public
        if poll.type == "text" and tally.hidden:
            staff = {**base, "suppressed": False, "needed": 0, **kind.results(poll, tally.counts, tally.total)}
            for answer in staff["answers"]:
                answer["hidden"] = answer["text"] in tally.hidden
        return {"facilitator": staff, "presenter": public, "participant": public}

    # Organisers --------------------------------------------------------------------------------------

    def session_summaries(self) -> list[dict[str, Any]]:
        """Every session still kept, newest first, with answer counts and when it will be deleted."""
        summaries = []
        for session_id in self.store.session_ids():
            session = self.store.session(session_id)
            if session is None:  # its retention time ran out
                self.store.forget_session(session_id)
                continue
            deck = self.deck_of(session_id, session)
            answers = self.store.poll_totals(session_id, [poll.id for poll in deck.polls()])
            ended = session.get("status") == "ended"
            delete_after = None
            if ended and session.get("ended"):
                delete_after = (date.fromisoformat(session["ended"]) + timedelta(days=self.retention_days)).isoformat()
            summaries.append({
                "id": session_id, "deck": session.get("deck"), "title": session.get("title"),
                "status": "ended" if ended else "live", "created": session.get("created"),
                "ended": session.get("ended") or None, "participants": self._participants(session),
                "answers": answers, "answers_total": sum(answers.values()), "delete_after": delete_after,
            })
        return summaries

    def _participants(self, session: dict[str, str]) -> int:
        if session.get("status") == "ended":
            return int(session.get("participants") or 0)
        return self.store.participant_total(session["id"])

    def results_document(self, session_id: str) -> dict[str, Any]:
        """The anonymised results of one session, live or ended."""
        session = self._session(session_id)
        deck = self.deck_of(session_id, session)
        tallies = {poll.id: self.store.tally(session_id, poll.id) for poll in deck.polls()}
        summary = {**session, "ended": session.get("ended") or None, "participants": self._participants(session)}
        return results_document(summary, deck, tallies, self.min_responses)

    # Facilitator actions ------------------------------------------------------------------------------

    def _require_facilitator(self, client: Client) -> tuple[dict[str, str], Deck]:
        if client.role != "facilitator":
            raise LiveError("forbidden", "only the facilitator can do that")
        session = self._session(client.session_id)
        if session.get("status") != "live":
            raise LiveError("forbidden", "the session has ended")
        return session, self.deck_of(client.session_id, session)

    def _poll_of(self, deck: Deck, poll_id: Any) -> Poll:
        poll = deck.poll(poll_id) if isinstance(poll_id, str) else None
        if poll is None:
            raise LiveError("not_found", "no such poll in this deck")
        return poll

    def go_to_slide(self, client: Client, index: Any) -> dict[str, Any]:
        """Move everyone to a slide; returns the slide."""
        _, deck = self._require_facilitator(client)
        if not isinstance(index, int) or isinstance(index, bool):
            raise LiveError("invalid_payload", "index must be a whole number")
        if not 0 <= index < len(deck.slides):
            raise LiveError("not_found", f"the deck has slides 0 to {len(deck.slides) - 1}")
        self._guard(lambda: self.store.set_slide(client.session_id, index))
        return self.slide_payload(client.session_id, deck, index)

    def set_poll_open(self, client: Client, poll_id: Any, is_open: bool) -> dict[str, Any]:
        """Open or close a poll; returns the poll."""
        _, deck = self._require_facilitator(client)
        poll = self._poll_of(deck, poll_id)
        status = "open" if is_open else "closed"
        self._guard(lambda: self.store.set_poll_field(client.session_id, poll.id, "status", status))
        return self.poll_payload(client.session_id, poll)

    def set_results_visible(self, client: Client, poll_id: Any, visible: Any) -> dict[str, Any]:
        """Reveal a poll's results to phones, or hide them; returns the poll."""
        _, deck = self._require_facilitator(client)
        poll = self._poll_of(deck, poll_id)
        if not isinstance(visible, bool):
            raise LiveError("invalid_payload", "visible must be true or false")
        self._guard(lambda: self.store.set_poll_field(client.session_id, poll.id, "visible", str(int(visible))))
        return self.poll_payload(client.session_id, poll)

    def set_text_view(self, client: Client, poll_id: Any, view: Any) -> dict[str, Any]:
        """Switch a text poll between word cloud and list; returns the poll."""
        _, deck = self._require_facilitator(client)
        poll = self._poll_of(deck, poll_id)
        if poll.type != "text" or view not in ("cloud", "list"):
            raise LiveError("invalid_payload", "view must be 'cloud' or 'list' on a text poll")
        self._guard(lambda: self.store.set_poll_field(client.session_id, poll.id, "view", view))
        return self.poll_payload(client.session_id, poll)

    def hide_answer(self, client: Client, poll_id: Any, text: Any, hidden: Any) -> Poll:
        """Keep one text answer off the screens (or put it back); nobody's data is deleted."""
        _, deck = self._require_facilitator(client)
        poll = self._poll_of(deck, poll_id)
        if poll.type != "text" or not isinstance(text, str) or not isinstance(hidden, bool):
            raise LiveError("invalid_payload", "hide_answer needs a text poll, its answer text and hidden")
        self._guard(lambda: self.store.set_hidden(client.session_id, poll.id, text, hidden))
        return poll

    def set_qr_overlay(self, client: Client, visible: Any) -> bool:
        """Show or hide the big QR code on the presenter screen."""
        self._require_facilitator(client)
        if not isinstance(visible, bool):
            raise LiveError("invalid_payload", "visible must be true or false")
        self._guard(lambda: self.store.set_qr_overlay(client.session_id, visible))
        return visible

    def end_session(self, client: Client) -> None:
        """End the session: no more answers; only aggregates are kept, until the retention time."""
        _, deck = self._require_facilitator(client)
        self._end(client.session_id, deck)

    def _end(self, session_id: str, deck: Deck) -> bool:
        ended = self.store.end_session(session_id, [poll.id for poll in deck.polls()],
                                       datetime.now(UTC).date().isoformat(), self.retention_days * 86400)
        self._decks.pop(session_id, None)
        return ended

    def end_forgotten_sessions(self, now: float) -> list[str]:
        """End sessions still live `auto_end_hours` after they started, so no answer mapping outlives a day."""
        ended = []
        for session_id in self.store.stale_sessions(now - self.auto_end_hours * 3600):
            session = self.store.session(session_id)
            if session is None:
                self.store.forget_session(session_id)
            elif session.get("status") == "live" and self._end(session_id, self.deck_of(session_id, session)):
                ended.append(session_id)
        return ended

    # Participant actions ------------------------------------------------------------------------------

    def submit_answer(self, client: Client, poll_id: Any, value: Any) -> dict[str, Any]:
        """Store (or replace) a participant's answer; returns the answer as stored and the poll's total."""
        if client.role != "participant":
            raise LiveError("forbidden", "only participants answer polls")
        # No session read here: the answer script itself refuses an ended session.
        poll = self._poll_of(self.deck_of(client.session_id), poll_id)
        try:
            answer = poll_type(poll).answer(poll, value)
        except AnswerError as error:
            raise LiveError("invalid_payload", f"this poll expects {error}") from error
        try:
            total, _ = self.store.submit_answer(client.session_id, poll.id, client.who or "", answer.stored,
                                                answer.members)
        except PollClosed as error:
            raise LiveError("poll_closed", "this poll is not open") from error
        except SessionEnded as error:
            raise LiveError("poll_closed", "the session has ended") from error
        return {"poll": poll.id, "value": answer.value, "total": total}

    @staticmethod
    def _guard(action: Any) -> None:
        try:
            action()
        except SessionEnded as error:
            raise LiveError("forbidden", "the session has ended") from error

