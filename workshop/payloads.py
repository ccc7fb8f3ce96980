"""The shapes of what crosses the wire: Socket.IO payloads and API answers, as typed dictionaries."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from .questions import QuestionsPayload

# A `poll` payload: id, type, question, status, opened, results_visible, total, view (types with views), plus the
# fields its poll type adds (`Poll.public`). A `results_updated` payload: poll, total, min_responses,
# suppressed, needed, plus the type's results (`Poll.results`). Their extra keys depend on the poll type,
# so they stay plain dictionaries.
PollPayload = dict[str, object]
ResultsPayload = dict[str, object]
View = Literal["facilitator", "presenter", "participant"]
VIEWS: tuple[View, ...] = ("facilitator", "presenter", "participant")


class Ack(TypedDict, total=False):
    """The acknowledgement of every client event."""

    ok: bool
    error: str
    message: str
    poll: object
    value: object
    index: int
    visible: bool
    blank: bool
    room: RoomState
    timer: TimerPayload
    emoji: str
    reactions: ReactionsState
    question: str  # ask_question, vote_question, moderate_question: the question's id
    status: str  # ask_question: 'shown' or 'pending' (awaits the facilitator's approval)
    votes: int  # vote_question: the question's votes now
    qa: QuestionsPayload  # set_qa: the questions as the facilitator sees them
    # A refused question or vote, for the phone's own words in its language: `reason` (`per_minute`, `full`,
    # `not_found`, `ended`, `closed`), and with `per_minute` the limit and the seconds to wait.
    reason: str
    per_minute: int
    retry_after: int


class SessionInfo(TypedDict):
    """The session part of `session_state`."""

    id: str
    code: str
    title: str
    status: str
    practice: NotRequired[bool]  # only on a practice session: the screens say "Practice"


class SlidePayload(TypedDict):
    """A slide as phones and screens get it (`slide_changed`, `session_state.slide`)."""

    index: int
    count: int
    title: str
    kind: str
    html: str
    poll: PollPayload | None
    timer: int  # the slide's own countdown in seconds (the deck's `timer:`), 0 for none
    notes: NotRequired[str]  # the facilitator's console only
    phone: NotRequired[bool]  # the slide's own choice to show its content on phones (else the session's)
    resources: NotRequired[ResourcesPayload]  # the deck's support resources, on its last slide


class OutlinePoll(TypedDict):
    """A poll in the console's slide list."""

    id: str
    type: str
    question: str


class OutlineSlide(TypedDict):
    """One entry of the console's slide list."""

    index: int
    title: str
    kind: str
    notes: str
    poll: OutlinePoll | None
    timer: int


class TimerPayload(TypedDict):
    """The countdown (`timer`, `session_state.timer`): screens count down from their own clock on receipt."""

    running: bool
    seconds: int  # its full length
    remaining_ms: int  # 0 once it has run out ("Time's up")


class RoomState(TypedDict):
    """The room as the facilitator sees it (`session_state.room`, `room_changed`, `participant_count`)."""

    count: int  # connected now
    joined: int  # participants admitted so far
    locked: bool
    cap: int  # 0: no cap
    refused_joins: int  # new participants refused for joining faster than people do


class ReactionsState(TypedDict):
    """Whether phones may react now, and with what (`session_state.reactions`, `reactions_changed`)."""

    enabled: bool
    set: list[str]


class ReactionsPayload(TypedDict):
    """`reactions`: counts since the last one; the facilitator's also the current slide's counts so far."""

    counts: dict[str, int]
    slide: NotRequired[int]
    slide_counts: NotRequired[dict[str, int]]


class SessionState(TypedDict):
    """`session_state`: everything one client may see, sent when it connects."""

    role: str
    view: View
    session: SessionInfo
    join_url: str
    slide: SlidePayload
    results: ResultsPayload | None
    qr_overlay: bool
    blank: bool  # the projector shows nothing (the facilitator's `b`)
    timer: TimerPayload
    min_responses: int
    participant: NotRequired[str | None]
    my_answers: NotRequired[dict[str, object]]
    my_answer: NotRequired[object]
    participants: NotRequired[int]
    room: NotRequired[RoomState]
    slides: NotRequired[list[OutlineSlide]]
    reactions: NotRequired[ReactionsState]
    slide_reactions: NotRequired[dict[str, int]]  # facilitator: the current slide's reactions so far
    qa: NotRequired[QuestionsPayload]  # the Q&A as this client's view sees it
    my_votes: NotRequired[list[str]]  # participant: the shown questions it voted for
    phone_slides: NotRequired[bool]  # phones show slide content (the deck's `phone_slides`, or the console's)
    resources: NotRequired[ResourcesPayload]  # phones: the deck's support resources, for the end screen


class SessionSummary(TypedDict):
    """One session on the organiser page and in `GET /api/sessions`."""

    id: str
    deck: str | None
    title: str | None
    deck_version: str | None  # the deck file's short ETag when the session started (None: started before kept)
    name: str
    status: str
    created: str | None
    started_at: str | None  # ISO 8601 times of the session itself (answers never carry times)
    ended: str | None
    ended_at: str | None
    participants: int
    answers: dict[str, int]
    answers_total: int
    delete_after: str | None
    practice: NotRequired[bool]  # only in the facilitator's running list; organisers never see one


class ResourcesPayload(TypedDict):
    """The deck's `resources:`: where people can turn if the workshop stirred something up."""

    title: str
    items: list[str]

