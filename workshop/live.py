"""The use cases of a live workshop: start, join, step, open and close polls, answer, end. No socket code."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import secrets
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .config import Settings
from .decks import Deck, DeckError, Slide, parse_deck
from .export import ExportedSession, ResultsDocument, results_document
from .languages import DEFAULT_LANGUAGE, supported
from .media import DeckMedia
from .payloads import (
    VIEWS,
    OutlineSlide,
    PollPayload,
    ReactionsPayload,
    ReactionsState,
    ResourcesPayload,
    ResultsPayload,
    RoomState,
    SessionState,
    SessionSummary,
    SlidePayload,
    TimerPayload,
    View,
)
from .polls import AnswerError, Poll
from .questions import (
    ACTIONS,
    MAX_QUESTIONS,
    MODERATIONS,
    PER_MINUTE,
    ROOM_INTERVAL_MS,
    WINDOW_SECONDS,
    QaState,
    QuestionError,
    QuestionsPayload,
    clean_question,
    exported,
    question_id,
    questions_payload,
)
from .reactions import ReactionLimiter
from .render import markdown_to_html
from .store import (
    JoinLimits,
    PollClosed,
    QaRefused,
    ReactionsOff,
    RoomClosed,
    SessionEnded,
    Store,
    participant_hash,
)
from .timers import DurationError, checked_seconds, timer_state

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read off a projector
CODE_LENGTH = 6
PRESENCE_SECONDS = 20  # how long a process's phones go on counting after its last heartbeat (every 5 s)
# A practice session (a facilitator rehearsing alone) ends, and is deleted whole, at most this long after it
# started, or after this long without the facilitator doing anything: nothing of it is worth keeping.
PRACTICE_HOURS = 2
PRACTICE_IDLE_MINUTES = 30


class LiveError(Exception):
    """A refused request; `code` is one of the contract's error codes, `details` extra acknowledgement fields."""

    def __init__(self, code: str, message: str = "", **details: str | int):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.details = details


class Refused(Exception):
    """A refused connection; the message is the contract's connect_error code."""


@dataclass(frozen=True)
class Client:
    """Who is on one connection: role, session and, for a phone, its token."""

    role: str
    session_id: str
    view: View
    token: str | None = None
    # False for a phone opened in a browser that holds a staff login: its answers count in the results but
    # never toward the k distinct participants a release needs, so staff cannot pad a batch around one person.
    counts_toward_release: bool = True

    @property
    def who(self) -> str:
        """The participant's token as Redis knows it ('' for staff)."""
        return participant_hash(self.token) if self.token else ""


@dataclass(frozen=True)
class StartedSession:
    """What the facilitator gets back when a session starts."""

    id: str
    code: str
    facilitator_key: str
    presenter_key: str
    practice: bool = False


@dataclass(frozen=True)
class JoinPage:
    """What the phone page of a join code shows: a live session, an ended one, or none."""

    code: str
    status: str  # "live", "ended" or "unknown"
    title: str = ""
    practice: bool = False
    lang: str = DEFAULT_LANGUAGE  # the deck's language: the page's, unless the phone chose its own


@dataclass(frozen=True)
class SessionPage:
    """A console or presenter page the browser may open, with the key it proved and the role it got."""

    session_id: str
    code: str
    title: str
    join_url: str
    key: str | None
    role: str | None
    ended: bool = False
    practice: bool = False
    deck: str = ""
    lang: str = DEFAULT_LANGUAGE  # the deck's language: the presenter's (and the phones')


def new_code() -> str:
    """A short join code that reads well from the back of a room."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# Dashes people type between the halves of a code: ASCII, the Unicode hyphens and dashes, the minus sign.
_CODE_SEPARATORS = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"))


def normalise_code(code: str) -> str:
    """Accept codes typed in lower case, with spaces or with a dash ("tgt-qkp" is TGTQKP)."""
    return "".join(code.split()).translate(_CODE_SEPARATORS).upper()


def keys_equal(given: object, expected: str | None) -> bool:
    """Constant-time comparison of a presented secret."""
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), (expected or "").encode())


SESSION_NAME_LENGTH = 80


def session_name(raw: object) -> str:
    """A session's name as given by the facilitator: one line, spacing collapsed, at most 80 characters."""
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str):
        raise LiveError("invalid_payload", "the name must be text")
    name = " ".join(raw.split())
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in name):
        raise LiveError("invalid_payload", "the name must be plain text")
    if len(name) > SESSION_NAME_LENGTH:
        raise LiveError("invalid_payload", f"the name can be at most {SESSION_NAME_LENGTH} characters")
    return name


def is_practice(session: Mapping[str, str]) -> bool:
    """Whether a session is a facilitator's rehearsal (see `Workshop.start_session`)."""
    return session.get("practice") == "1"


def session_language(session: Mapping[str, str]) -> str:
    """The language of a session's deck, kept with the session when it started (English for older sessions)."""
    return supported(session.get("lang")) or DEFAULT_LANGUAGE


def shows_results(view: str, revealed: bool) -> bool:
    """The one rule of who sees a poll's results: staff always, phones only while the facilitator reveals them."""
    return view != "participant" or revealed


class Workshop:
    """The use cases, and the only way in: the web layer, the socket layer and the broadcaster call nothing else."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.public_url = (settings.public_url or "").rstrip("/")
        self.min_responses = settings.min_responses
        self.retention_days = settings.retention_days
        self.auto_end_hours = settings.auto_end_hours
        self.idle_end_hours = settings.idle_end_hours
        self._decks: OrderedDict[str, Deck] = OrderedDict()
        self.media = DeckMedia(settings.decks_dir)  # the decks' pictures, served by hash (media.py)
        self._compaction_due = False
        # This process's presence: its phones count only while it keeps saying so (see keep_presence).
        self.instance = secrets.token_hex(6)
        self.presence_seconds = PRESENCE_SECONDS
        window = JoinLimits(0, 0).window_seconds
        self.join_limits = JoinLimits(per_session=-(-settings.joins_per_minute_per_session * window // 60),
                                      per_address=-(-settings.joins_per_minute_per_address * window // 60))
        # Addresses are only ever kept as a keyed hash, for the join limit's short time windows.
        # Not the secret key, which is kept on disk: with it, Redis's append-only file (a join's address hash
        # written next to its token hash) could be matched to addresses by trying a LAN's few thousand.
        self.address_secret = (settings.address_key or secrets.token_hex(32)).encode()
        self.reaction_limiter = ReactionLimiter()

    # Sessions -----------------------------------------------------------------------------------------

    def healthy(self) -> bool:
        """Whether the data store answers."""
        return self.store.ping()

    def start_session(self, deck: Deck, name: object = None, practice: bool = False,
                      deck_version: str = "") -> StartedSession:
        """Create a live session on a deck, with an optional name ("Tuesday group, Leeds"); its per-person data
        expires `auto_end_hours` from now. `deck_version`: the deck file's short ETag, kept with the session.

        `practice`: a facilitator's rehearsal. Organisers never see it (no list, no export), every answer shows at
        once (one person clicks through alone), and it ends within `PRACTICE_HOURS`, or `PRACTICE_IDLE_MINUTES`
        without a facilitator's action; at its end all of it is deleted, nothing is kept for retention.
        """
        session_id = secrets.token_hex(6)
        started = StartedSession(session_id, new_code(), secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                                 practice)
        now = datetime.now(UTC)
        hours = min(self.auto_end_hours, PRACTICE_HOURS) if practice else self.auto_end_hours
        fields = {
            "id": started.id, "deck": deck.id, "title": deck.title, "deck_source": deck.source, "lang": deck.lang,
            "name": session_name(name), "started_at": now.isoformat(timespec="seconds"),
            "status": "live", "created": now.date().isoformat(), "ended": "", "slide": "0",
            "facilitator_key": started.facilitator_key, "presenter_key": started.presenter_key,
            "qr_overlay": "0", "auto_end_at": str(int(time.time()) + hours * 3600),
            "reactions": "1" if deck.reactions_on else "0",
            "active_at": str(int(time.time())), "deck_version": deck_version,
        }
        if practice:
            fields["practice"] = "1"
        visible = {poll.id: poll.results_visible for poll in deck.polls()}
        for _ in range(20):
            fields["code"] = started.code
            if self.store.create_session(fields, visible):
                return started
            started = dataclasses.replace(started, code=new_code())
        raise LiveError("unavailable", "could not find a free join code")

    def join_url(self, code: str) -> str:
        """Where phones join."""
        return f"{self.public_url}/j/{code}"

    def deck_of(self, session_id: str, session: Mapping[str, str] | None = None) -> Deck:
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

    def _organisers_session(self, session_id: str) -> dict[str, str]:
        """A session as organisers may see it: a practice session is none of theirs, as if it did not exist."""
        session = self._session(session_id)
        if is_practice(session):
            raise LiveError("not_found", "no such session")
        return session

    def min_responses_of(self, session: Mapping[str, str]) -> int:
        """k, the answers a snapshot needs: 1 in a practice session (one person rehearses alone; its phones
        say "Practice"), else `WORKSHOP_MIN_RESPONSES`."""
        return 1 if is_practice(session) else self.min_responses

    # Pages --------------------------------------------------------------------------------------------

    def join_page(self, code: str) -> JoinPage:
        """What the phone page of a typed or scanned code shows."""
        code = normalise_code(code)[:16]
        session_id = self.store.session_by_code(code) if code else None
        session = self.store.session(session_id) if session_id else None
        if session is None:
            return JoinPage(code, "unknown")
        return JoinPage(code, "live" if session.get("status") == "live" else "ended", session.get("title", ""),
                        is_practice(session), session_language(session))

    def session_page(self, session_id: str, held_keys: list[str], roles: tuple[str, ...],
                     facilitator: bool = False) -> SessionPage:
        """A session's page, with the first held key that proves one of the roles (in order), if any.

        `facilitator`: the browser holds the facilitator token, which opens every session's console (a
        closed tab, or another laptop, must never strand the room).
        """
        session = self._session(session_id)
        page = SessionPage(session_id=session_id, code=session["code"], title=session.get("title", ""),
                           join_url=self.join_url(session["code"]), key=None, role=None,
                           practice=is_practice(session), deck=session.get("deck", ""),
                           lang=session_language(session))
        if session.get("status") != "live":
            return dataclasses.replace(page, ended=True)
        if facilitator and "facilitator" in roles and session.get("facilitator_key"):
            return dataclasses.replace(page, key=session["facilitator_key"], role="facilitator")
        for role in roles:
            for key in held_keys:
                if keys_equal(key, session.get(f"{role}_key")):
                    return dataclasses.replace(page, key=key, role=role)
        return page

    def join_url_of(self, session_id: str) -> str:
        """The join URL of a session (the QR code's content)."""
        return self.join_url(self._session(session_id)["code"])

    # Connections --------------------------------------------------------------------------------------

    def connect(self, auth: object, address: str = "", staff_browser: bool = False) -> Client:
        """Authenticate a new connection from its auth object and network address, or raise Refused.

        Counts nobody as online yet (see `arrived`); a new participant is admitted here, within the room's
        lock, cap and join limits.
        """
        if not isinstance(auth, dict):
            raise Refused("unauthorized")
        if isinstance(auth.get("code"), str):
            return self._connect_participant(auth, address, staff_browser)
        session_id, key = auth.get("session"), auth.get("key")
        if not isinstance(session_id, str) or not isinstance(key, str) or len(session_id) > 64:
            raise Refused("unauthorized")
        session = self.store.session(session_id)
        if session is None:
            raise Refused("unknown_session")
        if session.get("status") != "live":
            raise Refused("session_ended")  # its keys were deleted at the end, so say so before checking them
        client: Client
        if keys_equal(key, session.get("facilitator_key")):
            view: View = "presenter" if auth.get("view") == "presenter" else "facilitator"
            client = Client("facilitator", session_id, view)
        elif keys_equal(key, session.get("presenter_key")):
            client = Client("presenter", session_id, "presenter")
        else:
            raise Refused("unauthorized")
        return client

    def is_returning(self, auth: object) -> bool:
        """Whether an auth object is a phone coming back to a live session it already joined (right code, known
        token): such a phone is no code guess."""
        if not isinstance(auth, dict) or not isinstance(auth.get("code"), str):
            return False
        session_id = self.store.session_by_code(normalise_code(str(auth["code"]))[:16])
        return bool(session_id) and self._known_token(session_id or "", auth.get("participant"))

    def _known_token(self, session_id: str, token: object) -> bool:
        """Whether a presented participant token was issued for this session."""
        return isinstance(token, str) and len(token) <= 64 and \
            self.store.is_participant(session_id, participant_hash(token))

    def _connect_participant(self, auth: dict[str, object], address: str, staff_browser: bool) -> Client:
        code = normalise_code(str(auth["code"]))[:16]
        session_id = self.store.session_by_code(code) if code else None
        session = self.store.session(session_id) if session_id else None
        # An ended code looks like an unknown one: a phone learns nothing from guessing codes. (Phones that
        # were in the session heard `session_ended` when it ended.)
        if session is None or session_id is None or session.get("status") != "live":
            raise Refused("unknown_session")
        if is_practice(session) and not staff_browser:
            # A rehearsal is the facilitator's alone: k is 1 there and no organiser sees it, so a room's phones in
            # it would show each person's answer as they give it. Any other phone hears a wrong code.
            raise Refused("unknown_session")
        token = auth.get("participant")
        if not isinstance(token, str) or not self._known_token(session_id, token):
            token = secrets.token_urlsafe(24)
            try:
                self.store.register_participant(session_id, participant_hash(token), self._address_hash(address),
                                                self.join_limits)
            except RoomClosed as closed:
                raise Refused(str(closed)) from closed
        # In a practice session the facilitator's own phone preview (a staff browser) is the room.
        return Client("participant", session_id, "participant", token,
                      counts_toward_release=not staff_browser or is_practice(session))

    def _address_hash(self, address: str) -> str:
        return hmac.new(self.address_secret, address.encode(), "sha256").hexdigest()[:16]

    def arrived(self, client: Client) -> None:
        """Count an accepted connection for the live count; call only once it is fully set up."""
        if client.role == "participant":
            self.store.online_change(client.session_id, client.who, 1, self.instance, self.presence_seconds)
        elif client.role == "facilitator":
            with contextlib.suppress(SessionEnded):
                self.store.mark_active(client.session_id)  # an open console is a session someone runs

    def disconnect(self, client: Client) -> None:
        """Forget a closed connection for the live count."""
        if client.role == "participant":
            self.store.online_change(client.session_id, client.who, -1, self.instance, self.presence_seconds)

    def participant_count(self, session_id: str) -> int:
        """Phones connected now, to any server process still alive."""
        return self.store.online_count(session_id)

    def room(self, session_id: str, session: Mapping[str, str] | None = None) -> RoomState:
        """Who is in the room, for the facilitator: connected now, joined so far, lock, cap, refused joins."""
        session = session or self._session(session_id)
        return RoomState(count=self.participant_count(session_id), joined=self._participants(session),
                         locked=session.get("locked") == "1", cap=int(session.get("cap") or 0),
                         refused_joins=int(session.get("refused_joins") or 0))

    def keep_presence(self, session_ids: list[str]) -> None:
        """This process's heartbeat for the sessions it holds phones of."""
        if session_ids:
            self.store.keep_presence(self.instance, session_ids, self.presence_seconds)

    # What clients see ---------------------------------------------------------------------------------

    def state_for(self, client: Client) -> SessionState:
        """The whole state this client may see, sent when it connects or reconnects."""
        session = self._session(client.session_id)
        deck = self.deck_of(client.session_id, session)
        slide = self.slide_payload(client.session_id, deck, int(session.get("slide", 0)))
        poll_payload = slide["poll"]
        poll = deck.poll(str(poll_payload["id"])) if poll_payload else None
        results = None
        if poll is not None and poll_payload is not None \
                and shows_results(client.view, bool(poll_payload["results_visible"])):
            results = self.results_views(client.session_id, poll, self.min_responses_of(session))[client.view]
        state = SessionState(
            role=client.role, view=client.view,
            session={"id": session.get("id", ""), "code": session.get("code", ""),
                     "title": session.get("title", ""), "status": session.get("status", "")},
            join_url=self.join_url(session["code"]), slide=slide, results=results,
            qr_overlay=session.get("qr_overlay") == "1", blank=session.get("blank") == "1",
            timer=self.timer_of(session),
            min_responses=self.min_responses_of(session),
        )
        if is_practice(session):
            state["session"]["practice"] = True
        state["phone_slides"] = self.phone_slides_of(deck, session)
        if deck.resources is not None and client.role == "participant":
            state["resources"] = resources_payload(deck)  # for the phone's thank-you screen
        if client.role == "participant":
            answers = self.store.answers_of(client.session_id, client.who, [p.id for p in deck.polls()])
            state["participant"] = client.token
            state["my_answers"] = {pid: json.loads(stored) for pid, stored in answers.items()}
            state["my_answer"] = state["my_answers"].get(poll.id) if poll else None
        else:
            if client.role == "facilitator":
                state["room"] = self.room(client.session_id, session)  # the count once, for both fields
                state["participants"] = state["room"]["count"]
            else:
                state["participants"] = self.participant_count(client.session_id)
        self._add_questions(client, state)
        if client.view == "facilitator":
            state["slides"] = [self._outline(index, item) for index, item in enumerate(deck.slides)]
            state["slide"]["notes"] = deck.slides[slide["index"]].notes
        state["reactions"] = self.reactions_state(session, deck)
        if client.role == "facilitator":
            state["slide_reactions"] = self.store.reaction_counts(client.session_id).get(slide["index"], {})
        return state

    @staticmethod
    def _outline(index: int, slide: Slide) -> OutlineSlide:
        poll = slide.poll
        return {"index": index, "title": slide.title, "kind": slide.kind, "notes": slide.notes,
                "poll": {"id": poll.id, "type": poll.type, "question": poll.question} if poll else None,
                "timer": slide.timer}

    def slide_payload(self, session_id: str, deck: Deck, index: int) -> SlidePayload:
        """A slide as phones and screens get it."""
        index = max(0, min(index, len(deck.slides) - 1))
        slide = deck.slides[index]
        payload: SlidePayload = {
            "index": index, "count": len(deck.slides), "title": slide.title, "kind": slide.kind,
            "html": markdown_to_html(slide.body, self.media.url_maker(deck.id)),
            "poll": self.poll_payload(session_id, slide.poll) if slide.poll else None,
            "timer": slide.timer,
        }
        # A slide's own phone setting, and the deck's support resources on its last slide.
        if slide.phone is not None:
            payload["phone"] = slide.phone
        if deck.resources is not None and index == len(deck.slides) - 1:
            payload["resources"] = resources_payload(deck)
        return payload

    def set_phone_slides(self, client: Client, visible: object) -> bool:
        """Show each slide's content on phones too (people at the back, low vision), or only its title."""
        return self._set_screen_flag(client, "visible", visible, self.store.set_phone_slides)

    @staticmethod
    def phone_slides_of(deck: Deck, session: Mapping[str, str]) -> bool:
        """Whether phones show slide content: the console's choice, else the deck's `phone_slides`."""
        chosen = session.get("phone_slides")
        return deck.phone_slides if chosen is None else chosen == "1"

    def poll_payload(self, session_id: str, poll: Poll) -> PollPayload:
        """A poll with its live status."""
        meta = self.store.poll_meta(session_id, poll.id)
        payload: PollPayload = {
            "id": poll.id, "type": poll.type, "question": poll.question,
            "status": "open" if meta.get("status") == "open" else "closed",
            # Closed but never opened reads "Not open yet" on every screen, not "closed".
            "opened": meta.get("status") == "open" or meta.get("opened") == "1",
            # Only the released total: the live one would tell when each person answers.
            "results_visible": self._revealed(poll, meta), "total": int(meta.get("released_total", 0)),
        }
        if poll.views:
            payload["view"] = meta.get("view") if meta.get("view") in poll.views else poll.views[0]
        payload.update(poll.public())
        return payload

    @staticmethod
    def _revealed(poll: Poll, meta: Mapping[str, str]) -> bool:
        return meta.get("visible", "1" if poll.results_visible else "0") == "1"

    def results_views(self, session_id: str, poll: Poll, k: int | None = None) -> dict[View, ResultsPayload]:
        """Every view's results for a poll from one read of Redis, suppressed below the anonymity threshold k (the
        session's, `min_responses_of`; `WORKSHOP_MIN_RESPONSES` when not given)."""
        k = self.min_responses if k is None else k
        tally = self.store.tally(session_id, poll.id)
        if tally.total < k:
            # No total, no "n more needed": either would tell when each person answers.
            suppressed: ResultsPayload = {"poll": poll.id, "suppressed": True, "min_responses": k}
            return {view: suppressed for view in VIEWS}
        base: ResultsPayload = {"poll": poll.id, "total": tally.total, "min_responses": k, "suppressed": False}
        public = {**base, **poll.results(tally.shown, tally.total)}
        staff = {**base, **poll.staff_results(tally)} if tally.hidden else public
        return {"facilitator": staff, "presenter": public, "participant": public}

    def results_to_send(self, session_id: str, poll_id: str, lock_ms: int,
                        audience_changed: bool) -> dict[View, ResultsPayload] | None:
        """The results each audience may see now, if this process holds the poll's flush lock for this tick.

        New answers release a new snapshot once at least k participants changed the counts; until then
        nothing is sent, since even an unchanged update would tell that someone just answered. A changed
        audience (poll opened or closed, results revealed, moderation, slide) always gets the snapshot.
        None: another process sends this tick (try again next tick). Empty: nothing to send.
        """
        if not self.store.try_flush_lock(session_id, poll_id, lock_ms):
            return None
        session = self.store.session(session_id)
        if session is None or session.get("status") != "live":
            return {}
        poll = self.deck_of(session_id, session).poll(poll_id)
        if poll is None:
            return {}
        k = self.min_responses_of(session)
        released = self.store.release(session_id, poll_id, k, for_screens=True)
        if not released and not audience_changed:
            return {}
        revealed = self._revealed(poll, self.store.poll_meta(session_id, poll_id))
        views = self.results_views(session_id, poll, k)
        return {view: payload for view, payload in views.items() if shows_results(view, revealed)}

    # Organisers --------------------------------------------------------------------------------------

    def decks_in_use(self, practice: bool = False) -> dict[str, int]:
        """Deck id -> live sessions running on it (the deck library's "in use"; editing is safe all the same).
        Practice sessions are counted only with `practice`: nobody but the facilitator is in them."""
        return self.store.live_decks(practice)

    def session_summaries(self) -> list[SessionSummary]:
        """Every session still kept, newest first, with answer counts and when it will be deleted; practice
        sessions are left out (they are nobody's results)."""
        return [summary for summary in self._summaries(self.store.session_ids()) if not summary.get("practice")]

    def running_sessions(self) -> list[SessionSummary]:
        """The live sessions, practice ones too (marked `practice`), newest first: the facilitator's home."""
        running = [summary for summary in self._summaries(self.store.live_session_ids())
                   if summary["status"] == "live"]
        return sorted(running, key=lambda summary: summary["started_at"] or "", reverse=True)

    def _summaries(self, session_ids: list[str]) -> list[SessionSummary]:
        summaries: list[SessionSummary] = []
        for session_id in session_ids:
            session = self.store.session(session_id)
            if session is None:  # its retention time ran out
                self.store.forget_session(session_id)
                continue
            try:
                poll_ids = [poll.id for poll in self.deck_of(session_id, session).polls()]
            except LiveError:
                poll_ids = []  # one unreadable session must not hide the others; its downloads say why
            answers = self.store.poll_totals(session_id, poll_ids)
            ended = session.get("status") == "ended"
            delete_after = None
            if ended and session.get("ended"):
                delete_after = (date.fromisoformat(session["ended"]) + timedelta(days=self.retention_days)).isoformat()
            summary: SessionSummary = {
                "id": session_id, "deck": session.get("deck"), "title": session.get("title"),
                "deck_version": session.get("deck_version") or None,
                "name": session.get("name") or "", "started_at": session.get("started_at") or None,
                "ended_at": session.get("ended_at") or None,
                "status": "ended" if ended else "live", "created": session.get("created"),
                "ended": session.get("ended") or None, "participants": self._participants(session),
                "answers": answers, "answers_total": sum(answers.values()), "delete_after": delete_after,
            }
            if is_practice(session):
                summary["practice"] = True
            summaries.append(summary)
        return summaries

    def _participants(self, session: Mapping[str, str]) -> int:
        if session.get("participants") or session.get("status") == "ended":
            return int(session.get("participants") or 0)
        return self.store.participant_total(session["id"])  # sessions from before the count was kept

    def results_document(self, session_id: str) -> ResultsDocument:
        """The anonymised results of one session, live or ended (a practice session has none: not found)."""
        session = self._organisers_session(session_id)
        deck = self.deck_of(session_id, session)
        if session.get("status") == "live":
            for poll in deck.polls():  # whatever is ready for release; an ended session released at its end
                self.store.release(session_id, poll.id, self.min_responses)
        tallies = {poll.id: self.store.tally(session_id, poll.id) for poll in deck.polls()}
        summary = ExportedSession(id=session_id, deck=session.get("deck", ""), title=session.get("title", ""),
                                  deck_version=session.get("deck_version") or None,
                                  created=session.get("created", ""), ended=session.get("ended") or None,
                                  participants=self._participants(session))
        return results_document(summary, deck, tallies, self.min_responses,
                                exported(self.store.qa_state(session_id)),
                                reactions=self.reactions_by_slide(session_id, deck))

    # Facilitator actions ------------------------------------------------------------------------------

    def _require_facilitator(self, client: Client) -> Deck:
        if client.role != "facilitator":
            raise LiveError("forbidden", "only the facilitator can do that")
        session = self._session(client.session_id)
        if session.get("status") != "live":
            raise LiveError("forbidden", "the session has ended")
        return self.deck_of(client.session_id, session)

    @staticmethod
    def _poll_of(deck: Deck, poll_id: object) -> Poll:
        poll = deck.poll(poll_id) if isinstance(poll_id, str) else None
        if poll is None:
            raise LiveError("not_found", "no such poll in this deck")
        return poll

    def go_to_slide(self, client: Client, index: object) -> SlidePayload:
        """Move everyone to a slide; returns the slide."""
        deck = self._require_facilitator(client)
        if not isinstance(index, int) or isinstance(index, bool):
            raise LiveError("invalid_payload", "index must be a whole number")
        if not 0 <= index < len(deck.slides):
            raise LiveError("not_found", f"the deck has slides 0 to {len(deck.slides) - 1}")
        _guard(lambda: self.store.set_slide(client.session_id, index))
        if deck.slides[index].qa:  # a `qa: true` slide opens Q&A; leaving it leaves Q&A open
            _guard(lambda: self.store.set_qa(client.session_id, open="1"))
        return self.slide_payload(client.session_id, deck, index)

    def set_poll_open(self, client: Client, poll_id: object, is_open: bool) -> PollPayload:
        """Open or close a poll; returns the poll."""
        poll = self._poll_of(self._require_facilitator(client), poll_id)
        status = "open" if is_open else "closed"
        # "opened" stays once set: a closed poll that never opened reads "Not open yet".
        fields = {"status": status, "opened": "1"} if is_open else {"status": status}
        _guard(lambda: self.store.set_poll_fields(client.session_id, poll.id, **fields))
        return self.poll_payload(client.session_id, poll)

    def set_results_visible(self, client: Client, poll_id: object, visible: object) -> PollPayload:
        """Reveal a poll's results to phones, or hide them; returns the poll."""
        poll = self._poll_of(self._require_facilitator(client), poll_id)
        if not isinstance(visible, bool):
            raise LiveError("invalid_payload", "visible must be true or false")
        _guard(lambda: self.store.set_poll_fields(client.session_id, poll.id, visible=str(int(visible))))
        return self.poll_payload(client.session_id, poll)

    def set_results_view(self, client: Client, poll_id: object, view: object) -> PollPayload:
        """Switch how screens show a poll's results (a text poll: word cloud or list); returns the poll."""
        poll = self._poll_of(self._require_facilitator(client), poll_id)
        if not isinstance(view, str) or view not in poll.views:
            choices = " or ".join(f"'{choice}'" for choice in poll.views) or "nothing (this poll has one view)"
            raise LiveError("invalid_payload", f"view must be {choices}")
        _guard(lambda: self.store.set_poll_fields(client.session_id, poll.id, view=view))
        return self.poll_payload(client.session_id, poll)

    def hide_answer(self, client: Client, poll_id: object, text: object, hidden: object) -> Poll:
        """Keep one answer off the screens (or put it back); nobody's data is deleted."""
        poll = self._poll_of(self._require_facilitator(client), poll_id)
        if not poll.moderated or not isinstance(text, str) or not isinstance(hidden, bool):
            raise LiveError("invalid_payload", "hide_answer needs a moderated poll, its answer text and hidden")
        _guard(lambda: self.store.set_hidden(client.session_id, poll.id, poll.moderation_key(text), hidden))
        return poll

    def set_room(self, client: Client, locked: object, cap: object) -> RoomState:
        """Lock the room to new participants (or open it), or cap how many may join (0: no cap)."""
        self._require_facilitator(client)
        if locked is not None and not isinstance(locked, bool):
            raise LiveError("invalid_payload", "locked must be true or false")
        if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or not 0 <= cap <= 100_000):
            raise LiveError("invalid_payload", "cap must be a whole number from 0 (no cap) to 100000")
        _guard(lambda: self.store.set_room(client.session_id, locked, cap))
        return self.room(client.session_id)

    def set_qr_overlay(self, client: Client, visible: object) -> bool:
        """Show or hide the big QR code on the presenter screen."""
        return self._set_screen_flag(client, "visible", visible, self.store.set_qr_overlay)

    def set_blank(self, client: Client, blank: object) -> bool:
        """Blank the projector (a pause, a personal moment), or show it again."""
        return self._set_screen_flag(client, "blank", blank, self.store.set_blank)

    def _set_screen_flag(self, client: Client, name: str, value: object,
                         store: Callable[[str, bool], None]) -> bool:
        self._require_facilitator(client)
        if not isinstance(value, bool):
            raise LiveError("invalid_payload", f"{name} must be true or false")
        _guard(lambda: store(client.session_id, value))
        return value

    def reset_poll(self, client: Client, poll_id: object) -> PollPayload:
        """Clear every answer to a poll (the console asks for a confirmation first); returns the poll."""
        poll = self._poll_of(self._require_facilitator(client), poll_id)
        _guard(lambda: self.store.reset_poll(client.session_id, poll.id))
        return self.poll_payload(client.session_id, poll)

    @staticmethod
    def timer_of(session: Mapping[str, str]) -> TimerPayload:
        """The countdown as screens are told it now."""
        ends = session.get("timer_ends")
        return timer_state(int(ends) if ends else None, int(session.get("timer_seconds") or 0), _now_ms())

    def start_timer(self, client: Client, seconds: object) -> TimerPayload:
        """Start (or restart) the countdown everyone sees."""
        self._require_facilitator(client)
        try:
            length = checked_seconds(seconds)
        except DurationError as error:
            raise LiveError("invalid_payload", str(error)) from error
        ends = _now_ms() + length * 1000
        _guard(lambda: self.store.set_timer(client.session_id, ends, length))
        return timer_state(ends, length, _now_ms())

    def stop_timer(self, client: Client) -> TimerPayload:
        """Stop the countdown and take it off every screen."""
        self._require_facilitator(client)
        _guard(lambda: self.store.set_timer(client.session_id, 0, 0))
        return timer_state(None, 0, 0)

    def end_session(self, client: Client) -> None:
        """End the session: no more answers; only aggregates are kept, until the retention time (a practice
        session: nothing is kept)."""
        poll_ids = [poll.id for poll in self._require_facilitator(client).polls()]
        self._end(client.session_id, poll_ids, is_practice(self.store.session(client.session_id) or {}))

    def end_by_organiser(self, session_id: str) -> bool:
        """End a session from the organiser's page; False if it had already ended."""
        session = self._organisers_session(session_id)
        if session.get("status") != "live":
            return False
        return self._end(session_id, self._poll_ids(session_id, session))

    def delete_session(self, session_id: str) -> bool:
        """Delete a session's data now, ending it first if it is live; returns whether it was live (its
        clients must then be told)."""
        was_live = self.end_by_organiser(session_id)
        self.store.delete_session(session_id)
        self._decks.pop(session_id, None)
        self._compaction_due = True  # the deleted data must leave the append-only file too
        return was_live

    def _end(self, session_id: str, poll_ids: list[str], practice: bool = False) -> bool:
        """End a session in one step; a practice one is then deleted whole (its end made every script refuse
        it first, so nothing is written to it after the deletion)."""
        now = datetime.now(UTC)
        ended = self.store.end_session(session_id, poll_ids, now.date().isoformat(),
                                       self.retention_days * 86400, self.min_responses,
                                       now.isoformat(timespec="seconds"))
        if practice:
            self.store.delete_session(session_id)
        self._decks.pop(session_id, None)
        self._compaction_due = True
        return ended

    def compact_if_due(self) -> None:
        """After an end, make the deletion real on disk: rewrite the append-only file (retried until it runs)."""
        if self._compaction_due and self.store.compact_persistence():
            self._compaction_due = False

    def end_forgotten_sessions(self, now: float) -> list[str]:
        """End sessions past their own auto-end time, or `auto_end_hours` after they started (if that is sooner), and
        sessions whose facilitator did nothing for `idle_end_hours` (a forgotten tab must not keep a room open)."""
        ended = []
        stale = self.store.stale_sessions(now, now - self.auto_end_hours * 3600)
        stale += self.store.idle_sessions(now - self.idle_end_hours * 3600 if self.idle_end_hours else None,
                                          now - PRACTICE_IDLE_MINUTES * 60)
        for session_id in dict.fromkeys(stale):
            session = self.store.session(session_id)
            if session is None:
                self.store.forget_session(session_id)
            elif session.get("status") == "live" and self._end(session_id, self._poll_ids(session_id, session),
                                                               is_practice(session)):
                ended.append(session_id)
        return ended

    def _poll_ids(self, session_id: str, session: Mapping[str, str]) -> list[str]:
        """The session's poll ids from its deck, or from its keys if the deck cannot be read any more."""
        try:
            return [poll.id for poll in self.deck_of(session_id, session).polls()]
        except LiveError:
            return self.store.stored_poll_ids(session_id)

    # Participant actions ------------------------------------------------------------------------------

    def submit_answer(self, client: Client, poll_id: object, value: object) -> dict[str, object]:
        """Store (or replace) a participant's answer; returns the answer as stored and the poll's total."""
        if client.role != "participant":
            raise LiveError("forbidden", "only participants answer polls")
        # No session read here: the answer script itself refuses an ended session.
        poll = self._poll_of(self.deck_of(client.session_id), poll_id)
        try:
            answer = poll.answer(value)
        except AnswerError as error:
            raise LiveError("invalid_payload", f"this poll expects {error}") from error
        try:
            total, _ = self.store.submit_answer(client.session_id, poll.id, client.who, answer.stored, answer.members,
                                                client.counts_toward_release)
        except PollClosed as error:
            raise LiveError("poll_closed", "this poll is not open") from error
        except SessionEnded as error:
            raise LiveError("poll_closed", "the session has ended") from error
        return {"poll": poll.id, "value": answer.value, "total": total}

    # Reactions ----------------------------------------------------------------------------------------

    @staticmethod
    def reactions_state(session: Mapping[str, str], deck: Deck) -> ReactionsState:
        """Whether phones may react now, and with which emoji."""
        return {"enabled": session.get("reactions") == "1", "set": list(deck.reactions)}

    def react(self, client: Client, emoji: object) -> str:
        """Count one reaction on the current slide: only a participant, only from the set, only while on, and
        at most `RATE_LIMIT` in `RATE_WINDOW_SECONDS` per participant. Nothing names the phone."""
        if client.role != "participant":
            raise LiveError("forbidden", "only participants react")
        deck = self.deck_of(client.session_id)
        if not isinstance(emoji, str) or emoji not in deck.reactions:
            raise LiveError("invalid_payload", f"emoji must be one of {' '.join(deck.reactions)}")
        if not self.reaction_limiter.allow(client.who):
            raise LiveError("rate_limited", "a few reactions at a time, please")
        try:
            self.store.react(client.session_id, emoji)
        except ReactionsOff as error:
            raise LiveError("forbidden", "reactions are switched off") from error
        except SessionEnded as error:
            raise LiveError("forbidden", "the session has ended") from error
        return emoji

    def set_reactions(self, client: Client, enabled: object) -> ReactionsState:
        """Switch reactions on or off for every phone."""
        deck = self._require_facilitator(client)
        if not isinstance(enabled, bool):
            raise LiveError("invalid_payload", "enabled must be true or false")
        _guard(lambda: self.store.set_reactions(client.session_id, enabled))
        return {"enabled": enabled, "set": list(deck.reactions)}

    def reactions_to_send(self, session_id: str, lock_ms: int) -> tuple[ReactionsPayload, ReactionsPayload] | None:
        """The reactions since the last send (for the presenter) and with the current slide's counts so far (for
        the facilitator), if this process holds the session's reactions lock this tick; None: try next tick."""
        session = self.store.session(session_id)
        if session is None or session.get("status") != "live":
            raise LiveError("not_found", "the session has ended")  # nothing to send, and no lock left behind
        if not self.store.try_reactions_lock(session_id, lock_ms):
            return None
        deck = self.deck_of(session_id, session)
        slide, taken, slide_counts = self.store.take_reactions(session_id, list(deck.reactions))
        return {"counts": taken}, {"counts": taken, "slide": slide, "slide_counts": slide_counts}

    def reactions_by_slide(self, session_id: str, deck: Deck) -> list[tuple[int, str, dict[str, int]]]:
        """(slide index, title, counts by emoji) for every slide that got reactions."""
        counts = self.store.reaction_counts(session_id)
        return [(index, deck.slides[index].title if index < len(deck.slides) else "", counts[index])
                for index in sorted(counts)]
    # Anonymous questions (Q&A) ----------------------------------------------------------------------

    def _add_questions(self, client: Client, state: SessionState) -> None:
        """The Q&A part of `session_state`: what this client's view may see and, for a phone, its votes."""
        qa = questions_payload(self.store.qa_state(client.session_id), client.view)
        state["qa"] = qa
        if client.role == "participant":
            state["my_votes"] = self.store.my_votes(client.session_id, client.who,
                                                    [item["id"] for item in qa.get("questions", [])])

    def set_qa(self, client: Client, is_open: object, moderation: object) -> QuestionsPayload:
        """Open or close Q&A, or choose between showing questions at once and approving them first."""
        self._require_facilitator(client)
        fields: dict[str, str] = {}
        if is_open is not None:
            if not isinstance(is_open, bool):
                raise LiveError("invalid_payload", "open must be true or false")
            fields["open"] = "1" if is_open else "0"
        if moderation is not None:
            if moderation not in MODERATIONS:
                raise LiveError("invalid_payload", "moderation must be 'none' or 'approve'")
            fields["moderation"] = str(moderation)
        if not fields:
            raise LiveError("invalid_payload", "send open, moderation or both")
        _guard(lambda: self.store.set_qa(client.session_id, **fields))
        return questions_payload(self.store.qa_state(client.session_id), "facilitator")

    def ask_question(self, client: Client, text: object) -> dict[str, str]:
        """Store a phone's question; returns its id and whether it is `shown` or `pending` (awaits approval)."""
        if client.role != "participant":
            raise LiveError("forbidden", "only participants ask questions")
        try:
            cleaned = clean_question(text)
        except QuestionError as error:
            raise LiveError("invalid_payload", str(error)) from error
        try:
            qid, shown = self.store.ask_question(client.session_id, client.who, cleaned, PER_MINUTE, WINDOW_SECONDS,
                                                 MAX_QUESTIONS)
        except QaRefused as refused:
            raise _qa_error(refused) from refused
        return {"question": qid, "status": "shown" if shown else "pending"}

    def vote_question(self, client: Client, question: object, vote: object) -> dict[str, object]:
        """Add or take back a phone's vote on a shown question (idempotent); returns whether anything changed."""
        if client.role != "participant":
            raise LiveError("forbidden", "only participants vote on questions")
        if not isinstance(vote, bool):
            raise LiveError("invalid_payload", "vote must be true or false")
        try:
            qid = question_id(question)
            votes, changed = self.store.vote_question(client.session_id, client.who, qid, vote)
        except QuestionError as error:
            raise LiveError("not_found", str(error)) from error
        except QaRefused as refused:
            raise _qa_error(refused) from refused
        return {"question": qid, "vote": vote, "votes": votes, "changed": changed}

    def moderate_question(self, client: Client, question: object, action: object) -> str:
        """Approve, hide, mark answered, pin (which also shows it) or unpin a question; returns its id."""
        self._require_facilitator(client)
        if action not in ACTIONS:
            raise LiveError("invalid_payload", f"action must be one of {', '.join(ACTIONS)}")
        try:
            qid = question_id(question)
            self.store.moderate_question(client.session_id, qid, str(action))
        except QuestionError as error:
            raise LiveError("not_found", str(error)) from error
        except QaRefused as refused:
            raise LiveError("forbidden" if refused.reason == "ended" else "not_found",
                            "the session has ended" if refused.reason == "ended" else "no such question") from refused
        return qid

    def questions_to_send(self, session_id: str,
                          lock_ms: int) -> tuple[dict[View, QuestionsPayload], bool] | None:
        """Each audience's questions, only where they changed since it was last sent (by any process), and whether
        an audience was held back (phones and the presenter get them at most every ROOM_INTERVAL_MS: ask again).

        None: another process holds this tick's lock (try again next tick). Empty: nothing to send.
        """
        if not self.store.try_qa_lock(session_id, lock_ms):
            return None
        session = self.store.session(session_id)
        if session is None or session.get("status") != "live":
            return {}, False
        state: QaState = self.store.qa_state(session_id)
        payloads = {view: questions_payload(state, view) for view in VIEWS}
        digests = {view: hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
                   for view, payload in payloads.items()}
        # An audience whose slot is taken keeps its digest as last sent, so its change goes out in a later tick.
        room = [view for view in VIEWS if view != "facilitator"]
        free = {view for view in room if self.store.try_room_slot(session_id, view, ROOM_INTERVAL_MS)}
        news = set(self.store.qa_news(session_id, {str(view): digest for view, digest in digests.items()
                                                   if view == "facilitator" or view in free}))
        return {view: payload for view, payload in payloads.items() if view in news}, len(free) < len(room)


def _qa_error(refused: QaRefused) -> LiveError:
    """A refused question or vote as the contract's error, with its reason: phones say it in their own language."""
    if refused.reason == "rate_limited":
        wait = max(1, refused.wait_seconds)
        return LiveError("rate_limited", f"You can ask {PER_MINUTE} questions a minute. "
                                         f"Try again in {wait} second{'s' if wait != 1 else ''}.",
                         reason="per_minute", per_minute=PER_MINUTE, retry_after=wait)
    if refused.reason == "full":
        return LiveError("rate_limited", "This session has as many questions as it can take.", reason="full")
    if refused.reason == "not_found":
        return LiveError("not_found", "That question is not on the list any more.", reason="not_found")
    if refused.reason == "ended":
        return LiveError("poll_closed", "The session has ended.", reason="ended")
    return LiveError("poll_closed", "Questions are closed right now.", reason="closed")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _guard(action: Callable[[], None]) -> None:
    """Run a store change; a session that ended meanwhile becomes the contract's `forbidden`."""
    try:
        action()
    except SessionEnded as error:
        raise LiveError("forbidden", "the session has ended") from error


def resources_payload(deck: Deck) -> ResourcesPayload:
    """The deck's support resources as screens get them."""
    resources = deck.resources
    return {"title": resources.title, "items": list(resources.items)} if resources else {"title": "", "items": []}
