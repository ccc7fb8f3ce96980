"""Browser logins: what a browser proved, kept server-side in Redis; its cookie holds only a random reference.

A browser that brings a secret once in the query string (`?token=` / `?key=`) gets a login: a random id
in the signed Flask session cookie, and one Redis hash of the roles that secret proved. The cookie never
holds a token or key, so a copied or decoded cookie reveals no secret, and a login ends server-side:
logout deletes it, it expires `LOGIN_TTL` after the last proof, and the server-wide roles are kept only as
fingerprints of the tokens they proved, re-checked against the configured tokens on every use, so changing
`WORKSHOP_FACILITATOR_TOKEN` or `WORKSHOP_ORGANISER_TOKEN` ends those roles for every browser.

Key schema (this module is the only code that knows it):

    ws:login:{H}   HASH   H = SHA-256 of the login id (the id itself, the cookie's content, is never stored)
        csrf                     random form token of this login (the logout form must bring it)
        facilitator              fingerprint of the WORKSHOP_FACILITATOR_TOKEN it proved
        organiser                fingerprint of the WORKSHOP_ORGANISER_TOKEN it proved
        key:{S}:facilitator      the facilitator key of session S it proved (the page hands it to its script)
        key:{S}:presenter        the presenter key of session S it proved
    expires LOGIN_TTL after its last proof. Every proof moves the login to a new id (no fixation); the old
    record lives on for ROTATION_GRACE only, for requests already under way with the old cookie.

Only verified secrets are ever written: callers check a token or key before they grant it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

import redis
from redis.typing import EncodableT

LOGIN_TTL = 12 * 60 * 60  # seconds: a working day of a workshop, then the link is needed again
ROTATION_GRACE = 30  # seconds the previous id of a rotated login keeps working
SERVER_ROLES = ("facilitator", "organiser")
SESSION_ROLES = ("facilitator", "presenter")
MAX_ID_LENGTH = 128


def fingerprint(token: str) -> str:
    """What a login keeps of a server-wide token: enough to tell whether it is still the configured one."""
    return hashlib.sha256(b"workshop-login-token\0" + token.encode()).hexdigest()


def record_key(login_id: str) -> str:
    """The Redis key of a login's record."""
    return "ws:login:" + hashlib.sha256(login_id.encode()).hexdigest()


@dataclass(frozen=True)
class Login:
    """One browser's login: its id (the cookie's content), logout form token and what it proved."""

    id: str
    csrf: str
    fingerprints: Mapping[str, str] = field(default_factory=dict)  # server role -> token fingerprint
    keys: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (session id, role) -> key

    def holds(self, role: str, configured_token: str | None) -> bool:
        """Whether this login proved a server-wide role with the token configured now."""
        kept = self.fingerprints.get(role)
        return bool(kept and configured_token) and hmac.compare_digest(kept or "", fingerprint(configured_token or ""))

    def keys_for(self, session_id: str) -> list[str]:
        """The keys this login proved for one session, the facilitator's first."""
        return [self.keys[session_id, role] for role in SESSION_ROLES if (session_id, role) in self.keys]


def _login(login_id: str, fields: Mapping[str, str]) -> Login | None:
    """A login from its record's fields; None for a missing record."""
    if not fields.get("csrf"):
        return None
    fingerprints = {role: fields[role] for role in SERVER_ROLES if fields.get(role)}
    keys: dict[tuple[str, str], str] = {}
    for name, value in fields.items():
        prefix, _, rest = name.partition(":")
        session_id, _, role = rest.rpartition(":")
        if prefix == "key" and session_id and role in SESSION_ROLES and value:
            keys[session_id, role] = value
    return Login(login_id, fields["csrf"], fingerprints, keys)


class Logins:
    """The login store."""

    def __init__(self, client: redis.Redis, ttl: int = LOGIN_TTL):
        self.redis = client
        self.ttl = ttl

    def get(self, login_id: object) -> Login | None:
        """The login behind a cookie's id, if it is still kept."""
        if not isinstance(login_id, str) or not 0 < len(login_id) <= MAX_ID_LENGTH:
            return None
        return _login(login_id, cast(dict[str, str], self.redis.hgetall(record_key(login_id))))

    def grant(self, previous: Login | None, tokens: Mapping[str, str] | None = None,
              keys: Iterable[tuple[str, str, str]] = ()) -> Login:
        """A login that holds what `previous` held plus verified server `tokens` (role -> token) and session
        `keys` (session id, role, key), under a new id; the previous id stops working after ROTATION_GRACE."""
        fields: dict[str, str] = {}
        if previous is not None:
            fields.update(previous.fingerprints)
            fields.update({f"key:{sid}:{role}": key for (sid, role), key in previous.keys.items()})
        for role, token in (tokens or {}).items():
            if role not in SERVER_ROLES:
                raise ValueError(f"not a server-wide role: {role}")
            fields[role] = fingerprint(token)
        for sid, role, key in keys:
            if role not in SESSION_ROLES:
                raise ValueError(f"not a session role: {role}")
            fields[f"key:{sid}:{role}"] = key
        fields["csrf"] = secrets.token_urlsafe(24)
        login_id = secrets.token_urlsafe(32)
        pipe = self.redis.pipeline(transaction=True)
        mapping: dict[EncodableT, EncodableT] = {name: value for name, value in fields.items()}
        pipe.hset(record_key(login_id), mapping=mapping)
        pipe.expire(record_key(login_id), self.ttl)
        if previous is not None:
            pipe.expire(record_key(previous.id), ROTATION_GRACE)
        pipe.execute()
        return _login(login_id, fields) or Login(login_id, fields["csrf"])

    def end(self, login_id: str) -> None:
        """Forget a login (logout)."""
        if 0 < len(login_id) <= MAX_ID_LENGTH:
            self.redis.delete(record_key(login_id))
