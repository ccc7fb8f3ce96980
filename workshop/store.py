"""Every Redis key and every atomic operation the server uses.

Key schema (`{S}` is a session id; the braces are a Redis Cluster hash tag, so one session's keys
share a slot and its Lua scripts stay legal on a cluster):

    ws:sessions                  ZSET   session id -> created (epoch seconds); the organisers' index (no practice
                                        session is ever in it)
    ws:live                      ZSET   live session id -> auto_end_at; the sweep ends what is past it
    ws:code:CODE                 STRING session id, for joining by code; expires at the session's auto_end_at
    ws:throttle:{H}              STRING failed join-code lookups of an address (H: keyed hash), for a minute;
                                        kept by throttle.py, the one key this module does not write
    ws:{S}:session               HASH   id code deck title deck_source lang status created ended slide
                                        facilitator_key presenter_key qr_overlay auto_end_at
                                        participants (joined so far; kept after the token set expires)
                                        locked (0|1) cap (0: none) refused_joins (too fast, counted)
                                        name (the facilitator's), started_at ended_at (ISO 8601 times)
                                        blank (0|1: the projector shows nothing)
                                        timer_ends (epoch ms) timer_seconds: the running countdown
                                        reactions (0|1: phones may send reactions now)
                                        active_at (epoch seconds of the facilitator's last action)
                                        phone_slides (0|1: phones show slide content; absent: the deck's)
                                        deck_version (the deck file's ETag when the session started, short)
                                        practice (1: a facilitator's rehearsal: never in ws:sessions, so no
                                        organiser lists or exports it; deleted whole when it ends)
    ws:{S}:joins:{W}             STRING new participants in time window W (10 s), for the join limit
    ws:{S}:joins:{A}:{W}         STRING the same from one address; A is a keyed hash, never the address
    ws:{S}:participants          SET    sha256 of each issued participant token (never the token itself)
    ws:{S}:instances             SET    ids of the server processes that hold phones of the session
    ws:{S}:online:{I}            HASH   sha256 of a token -> open connections on process I (the live count);
                                        expires unless process I's heartbeat keeps it, so a crash clears it
    ws:{S}:poll:{P}              HASH   status (open|closed) opened (1 once ever opened) visible (0|1) total
                                        released_total, view (types with views), releases (snapshots so far),
                                        sent (the last one sent to the screens), resets (answers cleared by
                                        the facilitator, so many times); only released_total is shown
    ws:{S}:poll:{P}:counts       HASH   counter member (option index, scale step, text key<US>spelling) -> count;
                                        live, never shown; deleted when the session ends. A text answer counts
                                        under its grouping key and its own spelling (polls.text_member), so screens
                                        show each key's most common spelling; no phone is named in it
    ws:{S}:poll:{P}:released     HASH   the counts as last released: what screens and exports show
    ws:{S}:poll:{P}:batch        SET    sha256 of tokens that answered or changed since the last release
    ws:{S}:poll:{P}:answers      HASH   sha256 of a token -> JSON [stored answer, [members]]; only so a
                                        phone can change its answer; deleted when the session ends
    ws:{S}:poll:{P}:hidden       SET    text keys the facilitator hid from the screen (every spelling of one)
    ws:{S}:flush:{P}             STRING short lock: one server process sends a poll's results per tick
    ws:{S}:reactions             HASH   SLIDE:EMOJI -> reactions on that slide (no phone is named; an aggregate,
                                        kept for the retention time like the released counts)
    ws:{S}:reactions:pending     HASH   EMOJI -> reactions not yet sent to the screens (taken each tick)
    ws:{S}:flush-reactions       STRING short lock: one server process sends a session's reactions per tick
    ws:{S}:qa                    HASH   Q&A: open (0|1) moderation (none|approve) pinned (question id) next (last id)
                                        sent:VIEW (digest of the list each audience was last sent) ended (1)
    ws:{S}:qa:text               HASH   question id -> its cleaned text (no author is kept)
    ws:{S}:qa:status             HASH   question id -> pending|shown|hidden
    ws:{S}:qa:votes              HASH   question id -> votes
    ws:{S}:qa:answered           SET    ids of questions marked answered
    ws:{S}:qa:ballots            SET    "ID:sha256 of a token" per vote; per person, deleted when the session ends
    ws:{S}:qa:asked              HASH   sha256 of a token -> its recent question times (the per-phone limit);
                                        per person, deleted when the session ends
    ws:{S}:qa:flush              STRING short lock: one server process sends a session's questions per tick

Every per-person key (participants, answers, instances, Q&A ballots and ask times) and the code key carry a
Redis expiry at the session's `auto_end_at` (epoch seconds, start + WORKSHOP_AUTO_END_HOURS), set whenever
they are written, so Redis deletes the phone-to-answer mapping on time even while no server runs. Past that
time the session takes no answers. The online hashes live only seconds beyond their process's last heartbeat.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import redis
from redis.typing import EncodableT

from .batching import ScriptBatcher
from .polls import PollTally
from .questions import QaState, parse_state

SESSIONS_INDEX = "ws:sessions"
LIVE_INDEX = "ws:live"
SESSION_FIELDS = ("id", "code", "deck", "title", "status", "created", "ended", "slide", "facilitator_key",
                  "presenter_key", "qr_overlay", "participants", "auto_end_at", "locked", "cap", "refused_joins",
                  "name", "started_at", "ended_at", "blank", "timer_ends", "timer_seconds", "active_at",
                  "phone_slides",  # phone_slides: 0|1 once the facilitator chose; absent: the deck's
                  "reactions", "deck_version", "practice", "lang")

# Stores one participant's answer and moves the counts from the old answer to the new one, atomically; a
# participant who counts toward the release threshold joins the poll's current batch.
# KEYS: session, poll meta, counts, answers, batch. ARGV: participant hash, record JSON, counts (1|0), members...
_SUBMIT_ANSWER = """
local session = redis.call('HMGET', KEYS[1], 'status', 'auto_end_at')
if session[1] ~= 'live' then return {-2, 0} end
local deadline = tonumber(session[2])
if deadline and deadline <= tonumber(redis.call('TIME')[1]) then return {-2, 0} end
if redis.call('HGET', KEYS[2], 'status') ~= 'open' then return {-1, 0} end
local old = redis.call('HGET', KEYS[4], ARGV[1])
if old == ARGV[2] then
  return {tonumber(redis.call('HGET', KEYS[2], 'total') or '0'), 0}
end
local total
if old then
  local previous = cjson.decode(old)
  for _, member in ipairs(previous[2]) do
    if redis.call('HINCRBY', KEYS[3], member, -1) <= 0 then redis.call('HDEL', KEYS[3], member) end
  end
  total = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
else
  total = redis.call('HINCRBY', KEYS[2], 'total', 1)
end
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[3], ARGV[i], 1) end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
if deadline then redis.call('EXPIREAT', KEYS[4], deadline) end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[5], ARGV[1])
  if deadline then redis.call('EXPIREAT', KEYS[5], deadline) end
end
return {total, 1}
"""

# Copies a poll's counts into its released snapshot once at least k distinct participants answered or changed
# their answer since the last release, and starts a new batch. Screens and exports show only snapshots, so
# every change they show mixes at least k people's answers.
# KEYS: poll meta, counts, batch, released. ARGV: k.
_RELEASE_BODY = """
local function release(meta, counts, batch, released, k)
  if redis.call('SCARD', batch) < k then return 0 end
  redis.call('DEL', released)
  local pairs = redis.call('HGETALL', counts)
  for i = 1, #pairs, 200 do
    redis.call('HSET', released, unpack(pairs, i, math.min(i + 199, #pairs)))
  end
  redis.call('HSET', meta, 'released_total', redis.call('HGET', meta, 'total') or '0')
  redis.call('HINCRBY', meta, 'releases', 1)
  redis.call('DEL', batch)
  return 1
end
"""
# ARGV[2] '1' (for the screens): return 1 if there is a snapshot the screens have not been sent yet, and
# mark it sent. An export also releases what is ready; the screens must still get that snapshot after.
_RELEASE = _RELEASE_BODY + """
local fresh = release(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]))
if ARGV[2] ~= '1' then return fresh end
local releases = redis.call('HGET', KEYS[1], 'releases') or '0'
if releases == (redis.call('HGET', KEYS[1], 'sent') or '0') then return 0 end
redis.call('HSET', KEYS[1], 'sent', releases)
return 1
"""

# Clears a poll's answers (the facilitator's reset): counts, snapshot, batch and the phones' answers go; what
# the facilitator hid stays hidden (a hidden word sent again must not come back). A new, empty release makes
# every screen show no answers. Only while the session is live.
# KEYS: session, poll meta, counts, released, batch, answers.
_RESET_POLL = """
if redis.call('HGET', KEYS[1], 'status') ~= 'live' then return 0 end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('HSET', KEYS[2], 'total', 0, 'released_total', 0)
redis.call('HINCRBY', KEYS[2], 'releases', 1)
redis.call('HINCRBY', KEYS[2], 'resets', 1)
return 1
"""

# A tick's short lock, taken only if the session still exists. KEYS: session, lock. ARGV: milliseconds.
_LOCK_IF_SESSION = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 1 end
return 0
"""

# Changes poll or session fields only while the session is live; every such change is the facilitator's, so
# it also marks the session active (the idle sweep ends sessions nobody runs). KEYS: session, poll meta (or the
# session again). ARGV: field, value, ...
_SET_POLL_FIELD = """
if redis.call('HGET', KEYS[1], 'status') ~= 'live' then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV))
redis.call('HSET', KEYS[1], 'active_at', redis.call('TIME')[1])
return 1
"""


# Counts a participant connection opening or closing on one server process; the field goes when it reaches
# zero, in the same step, so a reload's close (-1) and open (+1) cannot interleave into deleting the new
# connection. The process's hash lives only as long as the process keeps it fresh (its heartbeat), so a
# crashed process's phones stop counting by themselves.
# KEYS: session, the process's online hash, the session's instances set.
# ARGV: participant hash, delta, instance id, seconds the hash lives without a heartbeat.
_ONLINE_CHANGE = """
-- An ended session counts nobody: a phone leaving after the end must not write its token hash again (into
-- the append-only file, after the end's rewrite removed it).
if redis.call('HGET', KEYS[1], 'status') ~= 'live' then return 0 end
local count = redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[2])
if count <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[3])
local deadline = redis.call('HGET', KEYS[1], 'auto_end_at')
if deadline then redis.call('EXPIREAT', KEYS[3], deadline) end
return count
"""

# Participants connected now: distinct token hashes over the online hashes of processes still alive.
# KEYS: the session's instances set. ARGV: the online hashes' key prefix (the instance id follows).
_ONLINE_COUNT = """
local seen, count = {}, 0
for _, instance in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local online = ARGV[1] .. instance
  if redis.call('EXISTS', online) == 0 then
    redis.call('SREM', KEYS[1], instance)
  else
    for _, who in ipairs(redis.call('HKEYS', online)) do
      if not seen[who] then seen[who] = true; count = count + 1 end
    end
  end
end
return count
"""

# Admits a new participant, or says why not: the session is not live (-4), the room is locked (-1), full (-2), or
# joins arrive faster than people join (-3: the session's or the address's count in this time window is at its
# limit; the refusal is counted for the facilitator). An admitted token (by hash) is remembered until the
# session's auto-end time and counted in the session hash, which outlives the set, so the count survives the
# set's expiry.
# KEYS: session, participants set, the session's joins in this window, the address's joins in this window.
# ARGV: participant hash, session limit per window, address limit per window, window seconds.
_REGISTER_PARTICIPANT = """
local session = redis.call('HMGET', KEYS[1], 'locked', 'cap', 'participants', 'auto_end_at', 'status')
-- Ended (or deleted, as a practice session is at its end) since the caller looked: write nothing, or the token
-- set would be left behind without an expiry.
if session[5] ~= 'live' then return -4 end
if session[1] == '1' then return -1 end
local joined = tonumber(session[3] or '0')
if session[2] and tonumber(session[2]) > 0 and joined >= tonumber(session[2]) then return -2 end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[2])
    or tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], 'refused_joins', 1)
  return -3
end
for i = 3, 4 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], 2 * tonumber(ARGV[4]))
end
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'participants', 1) end
if session[4] then redis.call('EXPIREAT', KEYS[2], session[4]) end
return 1
"""


# Ends a session in one step: a last release of every batch of at least k, then everything per person goes.
# KEYS: session, participants, instances, reactions, pending reactions, then per poll: meta, counts, hidden,
# answers, released, batch.
# ARGV: ended date, seconds to keep the aggregates, the online hashes' key prefix, k, ended time (ISO 8601).
_END_SESSION = _RELEASE_BODY + """
if redis.call('HGET', KEYS[1], 'status') ~= 'live' then return 0 end
local participants = tonumber(redis.call('HGET', KEYS[1], 'participants') or '0')
participants = math.max(participants, redis.call('SCARD', KEYS[2]))
redis.call('HSET', KEYS[1], 'status', 'ended', 'ended', ARGV[1], 'ended_at', ARGV[5], 'participants', participants)
-- Staff keys open nothing once the session has ended: they do not wait out the retention time in plain text.
redis.call('HDEL', KEYS[1], 'facilitator_key', 'presenter_key')
for _, instance in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('DEL', ARGV[3] .. instance) end
redis.call('DEL', KEYS[2], KEYS[3])
-- Reactions per slide are counts, never per phone: kept like the released counts. Unsent ones go.
redis.call('DEL', KEYS[5])
redis.call('EXPIRE', KEYS[4], ARGV[2])
for i = 6, #KEYS, 6 do
  local meta, counts, hidden, answers, released, batch = KEYS[i], KEYS[i + 1], KEYS[i + 2], KEYS[i + 3],
      KEYS[i + 4], KEYS[i + 5]
  redis.call('HSET', meta, 'status', 'closed')
  release(meta, counts, batch, released, tonumber(ARGV[4]))
  -- Only released snapshots outlive the session: answers still in a batch under k are never shown.
  redis.call('DEL', answers, batch, counts)
  for _, key in ipairs({meta, hidden, released}) do redis.call('EXPIRE', key, ARGV[2]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


# Counts one reaction on the session's current slide, and for the screens' next tick; no phone is named.
# KEYS: session, reactions, pending reactions. ARGV: emoji. Returns -2 (not live), -1 (reactions off) or 1.
_REACT = """
local session = redis.call('HMGET', KEYS[1], 'status', 'auto_end_at', 'reactions', 'slide')
if session[1] ~= 'live' then return -2 end
local deadline = tonumber(session[2])
if deadline and deadline <= tonumber(redis.call('TIME')[1]) then return -2 end
if session[3] ~= '1' then return -1 end
redis.call('HINCRBY', KEYS[2], (session[4] or '0') .. ':' .. ARGV[1], 1)
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
if deadline then redis.call('EXPIREAT', KEYS[3], deadline) end
return 1
"""

# Takes the reactions not yet sent (so each is sent once, whichever process takes it), with the current slide
# and its counts so far. KEYS: session, reactions, pending reactions. ARGV: the session's emoji.
# Returns {slide, {emoji, count, ...} taken, {count per ARGV emoji on the slide}}.
_TAKE_REACTIONS = """
local taken = redis.call('HGETALL', KEYS[3])
if #taken > 0 then redis.call('DEL', KEYS[3]) end
local slide = redis.call('HGET', KEYS[1], 'slide') or '0'
local fields = {}
for i = 1, #ARGV do fields[i] = slide .. ':' .. ARGV[i] end
local counts = {}
if #fields > 0 then counts = redis.call('HMGET', KEYS[2], unpack(fields)) end
for i = 1, #counts do counts[i] = tonumber(counts[i] or '0') end
return {tonumber(slide), taken, counts}
"""


class ReactionsOff(Exception):
    """The facilitator has switched reactions off."""


class SessionEnded(Exception):
    """The session is no longer live."""


class RoomClosed(Exception):
    """A new participant is not admitted; the message is the reason (room_locked, room_full, rate_limited)."""


@dataclass(frozen=True)
class JoinLimits:
    """How many new participants a session admits per time window, in all and from one address."""

    per_session: int
    per_address: int
    window_seconds: int = 10


class PollClosed(Exception):
    """The poll does not take answers now."""


def participant_hash(token: str) -> str:
    """What Redis keeps instead of a participant token."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def connect(url: str, max_connections: int = 64) -> redis.Redis:
    """A client whose pool waits for a free connection instead of failing under a burst."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, decode_responses=True,
        socket_connect_timeout=2, socket_timeout=5, health_check_interval=30,
    )
    return redis.Redis(connection_pool=pool)


class Store:
    """The only code that knows key names."""

    def __init__(self, client: redis.Redis):
        self.redis = client
        self._submit = client.register_script(_SUBMIT_ANSWER)
        self._batch = ScriptBatcher(client)
        self._release = client.register_script(_RELEASE)
        self._set_poll_field = client.register_script(_SET_POLL_FIELD)
        self._reset_poll = client.register_script(_RESET_POLL)
        self._lock_if_session = client.register_script(_LOCK_IF_SESSION)
        self._online_change = client.register_script(_ONLINE_CHANGE)
        self._online_count = client.register_script(_ONLINE_COUNT)
        self._end_session = client.register_script(_END_SESSION)
        self._register_participant = client.register_script(_REGISTER_PARTICIPANT)
        self._react = client.register_script(_REACT)
        self._take_reactions = client.register_script(_TAKE_REACTIONS)
        self._qa_scripts = {name: client.register_script(source) for name, source in _QA_SCRIPTS.items()}

    @staticmethod
    def _session(sid: str) -> str:
        return f"ws:{{{sid}}}:session"

    @staticmethod
    def _poll(sid: str, pid: str, suffix: str = "") -> str:
        return f"ws:{{{sid}}}:poll:{pid}{suffix}"

    def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False

    def create_session(self, fields: dict[str, str], polls_visible: dict[str, bool]) -> bool:
        """Store a new session (`auto_end_at` among its fields); False if its join code is taken."""
        sid, code = fields["id"], fields["code"]
        if not self.redis.set(f"ws:code:{code}", sid, nx=True, exat=int(fields["auto_end_at"])):
            return False
        pipe = self.redis.pipeline(transaction=True)
        mapping: dict[EncodableT, EncodableT] = {name: value for name, value in fields.items()}
        pipe.hset(self._session(sid), mapping=mapping)
        for pid, visible in polls_visible.items():
            pipe.hset(self._poll(sid, pid), mapping={"status": "closed", "visible": int(visible), "total": 0})
        if fields.get("practice") != "1":  # a rehearsal is nobody's results: organisers never see it
            pipe.zadd(SESSIONS_INDEX, {sid: time.time()})
        pipe.zadd(LIVE_INDEX, {sid: int(fields["auto_end_at"])})
        pipe.execute()
        return True

    def session_by_code(self, code: str) -> str | None:
        """The live session with this join code."""
        return cast(str | None, self.redis.get(f"ws:code:{code}"))

    def session(self, sid: str) -> dict[str, str] | None:
        """A session's fields except its deck's YAML (read on every event, so kept small), or None."""
        values = cast(list[str | None], self.redis.hmget(self._session(sid), SESSION_FIELDS))
        if values[0] is None:
            return None
        return {name: value for name, value in zip(SESSION_FIELDS, values, strict=True) if value is not None}

    def deck_source(self, sid: str) -> str | None:
        """The YAML of the deck the session runs on."""
        return cast(str | None, self.redis.hget(self._session(sid), "deck_source"))

    def session_ids(self) -> list[str]:
        """Every session, newest first."""
        return cast(list[str], self.redis.zrevrange(SESSIONS_INDEX, 0, -1))

    def live_decks(self, practice: bool = False) -> dict[str, int]:
        """Deck id -> how many live sessions run on it (each holds its own copy of the deck's YAML); practice
        sessions are counted only with `practice`."""
        counts: dict[str, int] = {}
        for _, (deck, status, is_practice) in self._live_fields("deck", "status", "practice"):
            if deck is not None and status == "live" and (practice or is_practice != "1"):
                counts[deck] = counts.get(deck, 0) + 1
        return counts

    def live_session_ids(self) -> list[str]:
        """Every session in the live index, practice ones too."""
        return cast(list[str], self.redis.zrange(LIVE_INDEX, 0, -1))

    def _live_fields(self, *fields: str) -> list[tuple[str, list[str | None]]]:
        """Each session in the live index with these fields of its hash, read in one round trip."""
        live = self.live_session_ids()
        pipe = self.redis.pipeline(transaction=False)
        for sid in live:
            pipe.hmget(self._session(sid), list(fields))
        return list(zip(live, cast(list[list[str | None]], pipe.execute() if live else []), strict=True))

    def set_slide(self, sid: str, index: int) -> None:
        """Move the session to a slide."""
        self._set_live_field(sid, "slide", str(index))

    def set_qr_overlay(self, sid: str, visible: bool) -> None:
        """Show or hide the QR overlay on the presenter screen."""
        self._set_live_field(sid, "qr_overlay", "1" if visible else "0")

    def set_blank(self, sid: str, blank: bool) -> None:
        """Blank the presenter screen, or show it again."""
        self._set_live_field(sid, "blank", "1" if blank else "0")

    def set_phone_slides(self, sid: str, visible: bool) -> None:
        """Show slide content on phones too, or only the title (the facilitator's choice over the deck's)."""
        self._set_live_field(sid, "phone_slides", "1" if visible else "0")

    def set_timer(self, sid: str, ends_ms: int, seconds: int) -> None:
        """Start the countdown (both fields in one step), or stop it (seconds 0)."""
        self._set_live_field(sid, "timer_ends", str(ends_ms), "timer_seconds", str(seconds))

    def _set_live_field(self, sid: str, *pairs: str) -> None:
        # The same script serves the session hash: KEYS[2] may equal KEYS[1].
        if not self._set_poll_field(keys=[self._session(sid), self._session(sid)], args=list(pairs)):
            raise SessionEnded(sid)

    def poll_meta(self, sid: str, pid: str) -> dict[str, str]:
        """A poll's status, visibility, view and total."""
        return cast(dict[str, str], self.redis.hgetall(self._poll(sid, pid)))

    def set_poll_fields(self, sid: str, pid: str, **fields: str) -> None:
        """Change a poll's status, visibility or view (together, in one step) while the session is live."""
        args = [item for pair in fields.items() for item in pair]
        if not self._set_poll_field(keys=[self._session(sid), self._poll(sid, pid)], args=args):
            raise SessionEnded(sid)

    def reset_poll(self, sid: str, pid: str) -> None:
        """Clear every answer to a poll (the facilitator asked, after a confirmation)."""
        keys = [self._session(sid)] + [self._poll(sid, pid, suffix) for suffix in
                                       ("", ":counts", ":released", ":batch", ":answers")]
        if not self._reset_poll(keys=keys):
            raise SessionEnded(sid)

    def submit_answer(self, sid: str, pid: str, who: str, stored: str, members: Iterable[str],
                      counts_toward_release: bool = True) -> tuple[int, bool]:
        """Store or replace one participant's answer; returns (total answers, whether anything changed)."""
        members = list(members)
        record = json.dumps([stored, members])
        keys = [self._session(sid), self._poll(sid, pid), self._poll(sid, pid, ":counts"),
                self._poll(sid, pid, ":answers"), self._poll(sid, pid, ":batch")]
        # Batched: a room answering at once shares round trips (each answer is still its own atomic script).
        total, changed = cast(list[int], self._batch.call(
            self._submit, keys, [who, record, "1" if counts_toward_release else "0", *members]))
        if total == -2:
            raise SessionEnded(sid)
        if total == -1:
            raise PollClosed(pid)
        return int(total), bool(changed)

    def answers_of(self, sid: str, who: str, poll_ids: list[str]) -> dict[str, str]:
        """One participant's stored answers, by poll id."""
        pipe = self.redis.pipeline(transaction=False)
        for pid in poll_ids:
            pipe.hget(self._poll(sid, pid, ":answers"), who)
        return {pid: json.loads(raw)[0] for pid, raw in zip(poll_ids, pipe.execute(), strict=True) if raw}

    def release(self, sid: str, pid: str, k: int, for_screens: bool = False) -> bool:
        """Release a new snapshot of a poll's counts if at least k participants changed them since the last.

        Returns whether it released; `for_screens`: whether the screens have a snapshot to be sent (released
        now, or earlier by an export), which is then counted as sent.
        """
        keys = [self._poll(sid, pid), self._poll(sid, pid, ":counts"), self._poll(sid, pid, ":batch"),
                self._poll(sid, pid, ":released")]
        return bool(self._release(keys=keys, args=[k, "1" if for_screens else "0"]))

    def tally(self, sid: str, pid: str) -> PollTally:
        """A poll's released counts, released total and hidden texts, read together: all anyone is shown."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hgetall(self._poll(sid, pid, ":released"))
        pipe.hget(self._poll(sid, pid), "released_total")
        pipe.smembers(self._poll(sid, pid, ":hidden"))
        counts, total, hidden = pipe.execute()
        return PollTally({key: int(value) for key, value in counts.items()}, int(total or 0), frozenset(hidden))

    def set_hidden(self, sid: str, pid: str, member: str, hidden: bool) -> None:
        """Hide a text answer from the screen, or show it again; no one's data is deleted."""
        key = self._poll(sid, pid, ":hidden")
        if hidden:
            self.redis.sadd(key, member)
        else:
            self.redis.srem(key, member)

    def register_participant(self, sid: str, who: str, address: str, limits: JoinLimits) -> None:
        """Admit a new participant (token hash) from an address (a keyed hash of it), or raise RoomClosed."""
        window = int(time.time()) // limits.window_seconds
        keys = [self._session(sid), f"ws:{{{sid}}}:participants", f"ws:{{{sid}}}:joins:{window}",
                f"ws:{{{sid}}}:joins:{address}:{window}"]
        result = int(self._register_participant(keys=keys, args=[who, limits.per_session, limits.per_address,
                                                                 limits.window_seconds]))
        if result < 0:
            raise RoomClosed({-1: "room_locked", -2: "room_full", -4: "unknown_session"}.get(result, "rate_limited"))

    def set_room(self, sid: str, locked: bool | None, cap: int | None) -> None:
        """Lock or unlock a live session's room, or set its participant cap (0: none)."""
        if locked is not None:
            self._set_live_field(sid, "locked", "1" if locked else "0")
        if cap is not None:
            self._set_live_field(sid, "cap", str(cap))

    def is_participant(self, sid: str, who: str) -> bool:
        """Whether this token hash was issued for the session."""
        return bool(self.redis.sismember(f"ws:{{{sid}}}:participants", who))

    def participant_total(self, sid: str) -> int:
        """How many participants ever joined (kept in the session hash; the set of tokens expires)."""
        counted = cast(str | None, self.redis.hget(self._session(sid), "participants"))
        return int(counted) if counted else int(self.redis.scard(f"ws:{{{sid}}}:participants"))

    @staticmethod
    def _online(sid: str, instance: str = "") -> str:
        return f"ws:{{{sid}}}:online:{instance}"

    def online_change(self, sid: str, who: str, delta: int, instance: str, alive_seconds: int) -> None:
        """Count a participant connection opening (+1) or closing (-1) on one server process."""
        self._online_change(keys=[self._session(sid), self._online(sid, instance), f"ws:{{{sid}}}:instances"],
                            args=[who, delta, instance, alive_seconds])

    def keep_presence(self, instance: str, session_ids: Iterable[str], alive_seconds: int) -> None:
        """A process's heartbeat: its phones go on counting for another `alive_seconds`."""
        pipe = self.redis.pipeline(transaction=False)
        for sid in session_ids:
            pipe.expire(self._online(sid, instance), alive_seconds)
        pipe.execute()

    def online_count(self, sid: str) -> int:
        """Participants with at least one open connection to a server process that is still alive."""
        return int(self._online_count(keys=[f"ws:{{{sid}}}:instances"], args=[self._online(sid)]))

    def try_flush_lock(self, sid: str, pid: str, milliseconds: int) -> bool:
        """True for the one process that may send this poll's results now."""
        return self._tick_lock(sid, f"ws:{{{sid}}}:flush:{pid}", milliseconds)

    def _tick_lock(self, sid: str, lock: str, milliseconds: int) -> bool:
        # Only while the session exists, in one step: a tick racing a deletion must not leave a lock behind.
        return bool(self._lock_if_session(keys=[self._session(sid), lock], args=[milliseconds]))

    def end_session(self, sid: str, poll_ids: list[str], ended: str, keep_seconds: int, k: int,
                    ended_at: str = "") -> bool:
        """End a live session atomically: drop everything per person, keep aggregates for a while.

        Returns False if it had already ended (another request or process got there first).
        """
        keys = [self._session(sid), f"ws:{{{sid}}}:participants", f"ws:{{{sid}}}:instances",
                *self._reaction_keys(sid)]
        for pid in poll_ids:
            keys += [self._poll(sid, pid, suffix)
                     for suffix in ("", ":counts", ":hidden", ":answers", ":released", ":batch")]
        # The code key keeps its own expiry (the auto-end time): until then the join page says "ended".
        # One transaction with the Q&A's end: its phone-to-question and vote links go in the same step.
        pipe = self.redis.pipeline(transaction=True)
        self._end_session(keys=keys, args=[ended, keep_seconds, self._online(sid), k, ended_at], client=pipe)
        self._qa_scripts["end"](keys=[self._qa(sid, suffix) for suffix in QA_SUFFIXES], args=[keep_seconds],
                                client=pipe)
        ended_now = bool(pipe.execute()[0])
        self.redis.zrem(LIVE_INDEX, sid)
        return ended_now

    def delete_session(self, sid: str) -> bool:
        """Delete everything kept of a session now (it must have ended); False if nothing was kept."""
        code = cast(str | None, self.redis.hget(self._session(sid), "code"))
        # The hash tag keeps one session's keys in one slot: one scan of its prefix finds them all.
        keys = list(self.redis.scan_iter(match=f"ws:{{{sid}}}:*", count=500))
        pipe = self.redis.pipeline(transaction=True)
        if keys:
            pipe.delete(*keys)
        if code:
            # The join code stops answering "ended" (only if it still points here).
            pipe.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
                      "return 0", 1, f"ws:code:{code}", sid)
        pipe.zrem(SESSIONS_INDEX, sid)
        pipe.zrem(LIVE_INDEX, sid)
        pipe.execute()
        return bool(keys)

    def mark_active(self, sid: str) -> None:
        """The facilitator is at work on a live session (a console connected)."""
        self._set_live_field(sid, "active_at", str(int(time.time())))

    def idle_sessions(self, active_before: float | None, practice_active_before: float) -> list[str]:
        """Live sessions whose facilitator last did something before a time (epoch seconds; None: never idle),
        and practice sessions before their own, sooner, time."""
        idle = []
        for sid, (mark, practice) in self._live_fields("active_at", "practice"):
            before = practice_active_before if practice == "1" else active_before
            if mark is not None and before is not None and float(mark) < before:
                idle.append(sid)
        return idle

    def stale_sessions(self, now: float, started_before: float) -> list[str]:
        """Sessions past their own auto-end time, or started before a time (epoch seconds); live or not."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrangebyscore(LIVE_INDEX, "-inf", now)
        pipe.zrangebyscore(SESSIONS_INDEX, "-inf", started_before)
        past_deadline, old = cast(list[list[str]], pipe.execute())
        return list(dict.fromkeys([*past_deadline, *old]))

    def compact_persistence(self) -> bool:
        """Rewrite Redis's append-only file from the data as it is now, so deleted per-person records leave the
        disk too (the log keeps every write until a rewrite, and Redis rewrites only after 64 MB of growth).

        Returns False while a rewrite started earlier is still running (it may predate the deletion: try again).
        """
        try:
            info = cast(dict[str, object], self.redis.info("persistence"))
            if not info.get("aof_enabled"):
                return True  # nothing is logged to disk
            if info.get("aof_rewrite_in_progress") or info.get("aof_rewrite_scheduled"):
                return False
            self.redis.bgrewriteaof()
            return True
        except redis.ResponseError:
            return True  # a Redis that forbids the command (managed services): nothing more we can do here

    def stored_poll_ids(self, sid: str) -> list[str]:
        """The ids of the polls a session has keys for (when its deck cannot be read)."""
        prefix = self._poll(sid, "")
        return sorted({key[len(prefix):].split(":")[0]
                       for key in cast(list[str], list(self.redis.scan_iter(match=prefix + "*", count=500)))})

    def poll_totals(self, sid: str, poll_ids: list[str]) -> dict[str, int]:
        """How many answers each poll has released (what screens and exports show)."""
        pipe = self.redis.pipeline(transaction=False)
        for pid in poll_ids:
            pipe.hget(self._poll(sid, pid), "released_total")
        return {pid: int(total or 0) for pid, total in zip(poll_ids, pipe.execute(), strict=True)}

    # Reactions ----------------------------------------------------------------------------------------

    @staticmethod
    def _reaction_keys(sid: str) -> list[str]:
        return [f"ws:{{{sid}}}:reactions", f"ws:{{{sid}}}:reactions:pending"]

    def react(self, sid: str, emoji: str) -> None:
        """Count one reaction on the current slide (batched with the others arriving together)."""
        result = int(cast(int, self._batch.call(self._react, [self._session(sid), *self._reaction_keys(sid)],
                                                [emoji])))
        if result == -2:
            raise SessionEnded(sid)
        if result == -1:
            raise ReactionsOff(sid)

    def set_reactions(self, sid: str, enabled: bool) -> None:
        """Let phones react, or not, while the session is live."""
        self._set_live_field(sid, "reactions", "1" if enabled else "0")

    def take_reactions(self, sid: str, emoji: list[str]) -> tuple[int, dict[str, int], dict[str, int]]:
        """The reactions not yet sent to the screens (taken: sent once), the current slide and its counts."""
        slide, taken, counts = cast(list[object], self._take_reactions(
            keys=[self._session(sid), *self._reaction_keys(sid)], args=emoji))
        pairs = cast(list[str], taken)
        return (int(cast(int, slide)), {pairs[i]: int(pairs[i + 1]) for i in range(0, len(pairs), 2)},
                dict(zip(emoji, (int(count) for count in cast(list[int], counts)), strict=True)))

    def try_reactions_lock(self, sid: str, milliseconds: int) -> bool:
        """True for the one process that may send this session's reactions now."""
        return bool(self.redis.set(f"ws:{{{sid}}}:flush-reactions", "1", nx=True, px=milliseconds))

    def reaction_counts(self, sid: str) -> dict[int, dict[str, int]]:
        """Reactions per slide index and emoji."""
        raw = cast(dict[str, str], self.redis.hgetall(self._reaction_keys(sid)[0]))
        counts: dict[int, dict[str, int]] = {}
        for field, count in raw.items():
            slide, _, emoji = field.partition(":")
            if slide.isdigit() and emoji:
                counts.setdefault(int(slide), {})[emoji] = int(count)
        return counts

    def forget_session(self, sid: str) -> None:
        """Drop an expired session from the indexes."""
        self.redis.zrem(SESSIONS_INDEX, sid)
        self.redis.zrem(LIVE_INDEX, sid)

    # Anonymous questions (Q&A) ------------------------------------------------------------------------
    # Keys: ws:{S}:qa (open, moderation, pinned, next id, what each audience was last sent), :qa:text,
    # :qa:status, :qa:votes (question id -> text, pending|shown|hidden, count), :qa:answered (ids): no phone
    # is named in them. Per person, until the end (EXPIREAT auto_end_at, deleted by _END_QA):
    # :qa:ballots ("ID:WHO" for each vote) and :qa:asked (WHO -> the times of its recent questions).

    @staticmethod
    def _qa(sid: str, suffix: str = "") -> str:
        return f"ws:{{{sid}}}:qa{suffix}"

    def _qa_keys(self, sid: str, *suffixes: str) -> list[str]:
        return [self._session(sid)] + [self._qa(sid, suffix) for suffix in suffixes]

    def qa_state(self, sid: str) -> QaState:
        """A session's Q&A as everyone may see it (the facilitator all of it): no votes are named."""
        pipe = self.redis.pipeline(transaction=True)
        for suffix in ("", ":text", ":status", ":votes"):
            pipe.hgetall(self._qa(sid, suffix))
        pipe.smembers(self._qa(sid, ":answered"))
        meta, texts, statuses, votes, answered = pipe.execute()
        return parse_state(meta, texts, statuses, votes, answered)

    def set_qa(self, sid: str, **fields: str) -> None:
        """Open or close Q&A, or set its moderation, while the session is live."""
        args = [item for pair in fields.items() for item in pair]
        if not self._set_poll_field(keys=[self._session(sid), self._qa(sid)], args=args):
            raise SessionEnded(sid)

    def ask_question(self, sid: str, who: str, text: str, per_minute: int, window_seconds: int,
                     most: int) -> tuple[str, bool]:
        """Store a new question; returns its id and whether it is shown at once (else it awaits approval).

        Raises QaRefused: closed, rate_limited (with the seconds to wait), full, ended.
        """
        result = cast(list[int], self._qa_scripts["ask"](
            keys=self._qa_keys(sid, "", ":text", ":status", ":votes", ":asked"),
            args=[who, text, per_minute, window_seconds, most]))
        if result[0] < 0:
            raise QaRefused(_QA_REFUSALS[result[0]], int(result[1]) if len(result) > 1 else 0)
        return str(result[0]), bool(result[1])

    def vote_question(self, sid: str, who: str, qid: str, vote: bool) -> tuple[int, bool]:
        """Add or take back one phone's vote on a shown question; returns (votes, whether anything changed)."""
        # Batched like answers: a room voting at once shares round trips instead of queueing for the pool's
        # connections (bench.reactions upvotes: 1,000 phones x 8 votes had 18% refused `unavailable` without).
        result = cast(list[int], self._batch.call(
            self._qa_scripts["vote"], self._qa_keys(sid, "", ":status", ":votes", ":ballots"),
            [who, qid, "1" if vote else "0"]))
        if result[0] < 0:
            raise QaRefused(_QA_REFUSALS[result[0]])
        return int(result[0]), bool(result[1])

    def moderate_question(self, sid: str, qid: str, action: str) -> None:
        """Approve, hide, mark answered, pin or unpin one question (pinning also shows it)."""
        result = int(self._qa_scripts["moderate"](
            keys=self._qa_keys(sid, "", ":status", ":answered"), args=[action, qid]))
        if result < 0:
            raise QaRefused(_QA_REFUSALS[result])

    def my_votes(self, sid: str, who: str, qids: list[str]) -> list[str]:
        """Which of these questions one phone voted for."""
        if not qids:
            return []
        found = self.redis.smismember(self._qa(sid, ":ballots"), [f"{qid}:{who}" for qid in qids])
        return [qid for qid, voted in zip(qids, cast(list[int], found), strict=True) if voted]

    def try_qa_lock(self, sid: str, milliseconds: int) -> bool:
        """True for the one process that may send the session's questions now."""
        return self._tick_lock(sid, self._qa(sid, ":flush"), milliseconds)

    def try_room_slot(self, sid: str, view: str, milliseconds: int) -> bool:
        """True at most once per `milliseconds` per audience of a session: when its questions may go out."""
        return self._tick_lock(sid, self._qa(sid, f":slot:{view}"), milliseconds)

    def qa_news(self, sid: str, digests: dict[str, str]) -> list[str]:
        """The audiences whose questions differ from what they were last sent (by digest), marked as sent now."""
        args = [item for pair in digests.items() for item in pair]
        return cast(list[str], self._qa_scripts["news"](keys=[self._qa(sid)], args=args))


class QaRefused(Exception):
    """A question or vote is refused: closed, rate_limited, full, not_found or ended."""

    def __init__(self, reason: str, wait_seconds: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.wait_seconds = wait_seconds


_QA_REFUSALS = {-1: "closed", -2: "ended", -3: "rate_limited", -4: "full", -5: "not_found"}

# The session must be live and before its auto-end time. Returns the deadline (nil: none), or nil and false.
_QA_LIVE = """
local function live(session_key)
  local session = redis.call('HMGET', session_key, 'status', 'auto_end_at')
  if session[1] ~= 'live' then return false, nil end
  local deadline = tonumber(session[2])
  if deadline and deadline <= tonumber(redis.call('TIME')[1]) then return false, nil end
  return true, deadline
end
"""

# Stores a new question while Q&A is open, within the phone's limit of questions per window (its recent ask
# times are kept under its token hash until the session ends) and the session's limit of questions.
# KEYS: session, qa meta, texts, statuses, votes, asked. ARGV: participant hash, text, per window, window, most.
_QA_ASK = _QA_LIVE + """
local ok, deadline = live(KEYS[1])
if not ok then return {-2} end
local meta = redis.call('HMGET', KEYS[2], 'open', 'moderation', 'next')
if meta[1] ~= '1' then return {-1} end
-- The cap counts questions not hidden (hiding spam frees room), and all ever asked within four times it
-- (so asking and hiding cannot grow a session's keys without end).
if tonumber(meta[3] or '0') >= 4 * tonumber(ARGV[5]) then return {-4} end
local active = 0
for _, status in ipairs(redis.call('HVALS', KEYS[4])) do
  if status ~= 'hidden' then active = active + 1 end
end
if active >= tonumber(ARGV[5]) then return {-4} end
local now = tonumber(redis.call('TIME')[1])
local window = tonumber(ARGV[4])
local recent = {}
local oldest = now
for stamp in string.gmatch(redis.call('HGET', KEYS[6], ARGV[1]) or '', '%d+') do
  local at = tonumber(stamp)
  if now - at < window then
    table.insert(recent, stamp)
    oldest = math.min(oldest, at)
  end
end
if #recent >= tonumber(ARGV[3]) then return {-3, oldest + window - now} end
table.insert(recent, tostring(now))
redis.call('HSET', KEYS[6], ARGV[1], table.concat(recent, ','))
if deadline then redis.call('EXPIREAT', KEYS[6], deadline) end
local id = redis.call('HINCRBY', KEYS[2], 'next', 1)
local shown = meta[2] ~= 'approve'
redis.call('HSET', KEYS[3], id, ARGV[2])
redis.call('HSET', KEYS[4], id, shown and 'shown' or 'pending')
redis.call('HSET', KEYS[5], id, 0)
return {id, shown and 1 or 0}
"""

# One phone's vote on a shown question, or its taking back; idempotent (the ballot is "ID:WHO" in a set).
# KEYS: session, qa meta, statuses, votes, ballots. ARGV: participant hash, question id, 1 (vote) or 0.
_QA_VOTE = _QA_LIVE + """
local ok, deadline = live(KEYS[1])
if not ok then return {-2} end
if redis.call('HGET', KEYS[2], 'open') ~= '1' then return {-1} end
if redis.call('HGET', KEYS[3], ARGV[2]) ~= 'shown' then return {-5} end
local ballot = ARGV[2] .. ':' .. ARGV[1]
local changed
if ARGV[3] == '1' then
  changed = redis.call('SADD', KEYS[5], ballot)
else
  changed = redis.call('SREM', KEYS[5], ballot)
end
if deadline then redis.call('EXPIREAT', KEYS[5], deadline) end
if changed == 1 then
  return {redis.call('HINCRBY', KEYS[4], ARGV[2], ARGV[3] == '1' and 1 or -1), 1}
end
return {tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0'), 0}
"""

# The facilitator's moderation of one question. KEYS: session, qa meta, statuses, answered. ARGV: action, id.
_QA_MODERATE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'live' then return -2 end
local status = redis.call('HGET', KEYS[3], ARGV[2])
if not status then return -5 end
local action = ARGV[1]
if action == 'approve' then
  redis.call('HSET', KEYS[3], ARGV[2], 'shown')
elseif action == 'hide' then
  redis.call('HSET', KEYS[3], ARGV[2], 'hidden')
  if redis.call('HGET', KEYS[2], 'pinned') == ARGV[2] then redis.call('HSET', KEYS[2], 'pinned', '') end
elseif action == 'answered' then
  redis.call('SADD', KEYS[4], ARGV[2])
elseif action == 'pin' then
  redis.call('HSET', KEYS[3], ARGV[2], 'shown')
  redis.call('HSET', KEYS[2], 'pinned', ARGV[2])
elseif action == 'unpin' then
  if redis.call('HGET', KEYS[2], 'pinned') == ARGV[2] then redis.call('HSET', KEYS[2], 'pinned', '') end
end
return 1
"""

# Which audiences' questions changed since they were last sent (by digest); marks them sent.
# KEYS: qa meta. ARGV: audience, digest, ...
_QA_NEWS = """
local changed = {}
for i = 1, #ARGV, 2 do
  local field = 'sent:' .. ARGV[i]
  if redis.call('HGET', KEYS[1], field) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1])
    table.insert(changed, ARGV[i])
  end
end
return changed
"""

# At the end of a session (in one transaction with _END_SESSION): the links from phones to questions and votes
# go; the questions' texts, statuses, vote counts and the switch stay for the retention time, closed.
# KEYS: qa meta, texts, statuses, votes, answered, ballots, asked. ARGV: seconds to keep the aggregates.
_END_QA = """
redis.call('DEL', KEYS[6], KEYS[7])
if redis.call('HGET', KEYS[1], 'ended') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'open', '0', 'ended', '1')
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ARGV[1]) end
return 1
"""

QA_SUFFIXES = ("", ":text", ":status", ":votes", ":answered", ":ballots", ":asked")
_QA_SCRIPTS = {"ask": _QA_ASK, "vote": _QA_VOTE, "moderate": _QA_MODERATE, "news": _QA_NEWS, "end": _END_QA}
