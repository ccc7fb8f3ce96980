"""The load balancer in front of several app processes: HAProxy's configuration, derived from the settings.

Why these choices:
- `balance leastconn` with an inserted cookie: a venue's phones usually share one NAT address, so hashing
  the source address would pile them onto one process. New clients go to the process with the fewest open
  connections; the cookie (the process's name, the same for every client of that process, so it tells
  nothing about a person) keeps a long-polling client on the process that holds its Engine.IO session.
  A WebSocket lives on one connection and needs no cookie.
- `option redispatch`: when a client's process is down, its next request goes to another one, which answers
  "unknown session"; the client reconnects there and presents its token, as after any drop.
- Per-address limits move here: behind the balancer every connection reaches the app from the loopback.
  A stick table caps simultaneous connections per client address (loopback exempt) and `timeout
  http-request` drops half-open requests, the same limits the app applies when it is alone.
- The client's address reaches the app in `X-Forwarded-For` (any the client sent is removed first); the
  app trusts exactly one hop (WORKSHOP_PROXY_HOPS=1), or one more than the proxies trusted in front.
- No access log: HAProxy would log every client address.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .decks import MAX_DECK_BODY_BYTES, MAX_DECK_BYTES
from .media import MAX_IMAGE_BYTES

if TYPE_CHECKING:
    from .config import Settings

# Engine.IO's defaults (Flask-SocketIO keeps them): a ping every 25 s, a client gone after 20 s more. A
# long-polling GET is held open up to the ping interval, so the balancer must wait longer than that.
ENGINEIO_PING_INTERVAL_SECONDS = 25
ENGINEIO_PING_TIMEOUT_SECONDS = 20
IDLE_SECONDS = 2 * (ENGINEIO_PING_INTERVAL_SECONDS + ENGINEIO_PING_TIMEOUT_SECONDS)
COOKIE = "workshop-process"
LOOPBACK = ("127.0.0.0/8", "::1")
DECKS_API = "/api/decks"  # whose bodies are whole decks (the deck API), allowed up to MAX_DECK_BODY_BYTES
DECK_BODY_BYTES = MAX_DECK_BODY_BYTES
PICTURES_API = r"^/api/decks/[^/]+/media/"  # a deck's pictures (deck_media_api.py): raw bodies up to MAX_IMAGE_BYTES


@dataclass(frozen=True)
class Backend:
    """One app process: a name (the cookie's value) and the address it listens on."""

    name: str
    address: str


@dataclass(frozen=True)
class Discovered:
    """App processes found through DNS (compose's or Kubernetes' service name): up to `slots` of them."""

    service: str
    port: int
    slots: int
    resolver: str  # host:port of the DNS server, e.g. Docker's 127.0.0.11:53


def haproxy_config(settings: Settings, bind: str, servers: Sequence[Backend] | Discovered,
                   maxconn: int | None = None) -> str:
    """HAProxy's configuration for these settings: `bind` is where clients connect (host:port); `maxconn`
    the connections it takes in all (default: one process's WORKSHOP_MAX_CONNECTIONS)."""
    maxconn = maxconn or settings.max_connections
    loopback = " ".join(LOOPBACK)
    reserve = min(64, maxconn // 4)
    too_large = json.dumps({"error": "too_large",
                            "message": f"the body is larger than {settings.max_message_bytes} bytes"})
    too_large_deck = json.dumps({"error": "too_large", "message": f"a deck may be at most {MAX_DECK_BYTES} bytes"})
    too_large_picture = json.dumps({"error": "too_large",
                                    "message": f"a picture may be at most {MAX_IMAGE_BYTES} bytes"})
    lines = [
        "# Generated from the workshop's settings (workshop/balancer.py): edit the settings, not this file.",
        "global",
        f"    maxconn {maxconn}",
        "",
        "defaults",
        "    mode http",
        "    option http-server-close",  # one request per connection to a process: no reuse races
        "    option redispatch",
        "    retries 2",
        "    timeout connect 5s",
        f"    timeout client {IDLE_SECONDS}s",
        f"    timeout server {IDLE_SECONDS}s",
        f"    timeout tunnel {IDLE_SECONDS}s",
        f"    timeout http-request {settings.request_timeout_seconds}s",
        f"    timeout http-keep-alive {settings.request_timeout_seconds}s",
        "",
        "frontend workshop",
        # HTTP/1 only: HTTP/2 streams would each become a connection to a process while the cap per address
        # below counts TCP connections (one client held 100 long-polls per connection).
        f"    bind {bind} proto h1",
        f"    maxconn {maxconn}",
        "    stick-table type ipv6 size 1m expire 10m store conn_cur",
        "    tcp-request connection track-sc0 src",
        f"    tcp-request connection reject if {{ sc_conn_cur(0) gt {settings.connections_per_address} }} "
        f"!{{ src {loopback} }}",
        # The last slots are this machine's: the facilitator's laptop always gets in.
        f"    tcp-request connection reject if {{ fe_conn gt {maxconn - reserve} }} !{{ src {loopback} }}",
        # An oversized body is refused here, whole, with the app's JSON error (the app would answer before
        # reading it, and the reset could lose the answer on the way back).
        f"    http-request return status 413 content-type application/json string '{too_large}' "
        f"if {{ req.hdr_val(content-length) gt {settings.max_message_bytes} }} !{{ path_beg {DECKS_API} }}",
        # The deck API (`PUT /api/decks/<id>`, `POST /api/decks/validate`) takes whole decks, up to the deck limit,
        # and a deck's pictures (`PUT /api/decks/<id>/media/<name>`) up to the picture limit.
        f"    http-request return status 413 content-type application/json string '{too_large_deck}' "
        f"if {{ path_beg {DECKS_API} }} !{{ path_reg {PICTURES_API} }} "
        f"{{ req.hdr_val(content-length) gt {DECK_BODY_BYTES} }}",
        f"    http-request return status 413 content-type application/json string '{too_large_picture}' "
        f"if {{ path_reg {PICTURES_API} }} {{ req.hdr_val(content-length) gt {MAX_IMAGE_BYTES} }}",
        # A client's own X-Forwarded-For is dropped, unless trusted proxies stand in front of HAProxy.
        *(["    http-request del-header X-Forwarded-For"] if not settings.proxy_hops else []),
        "    option forwardfor",
        "    default_backend app",
        "",
        "backend app",
        "    balance leastconn",
        f"    cookie {COOKIE} insert indirect nocache httponly attr SameSite=Lax",
    ]
    # A TCP check: a process is up when it accepts. (Not /healthz: a Redis outage would mark every process
    # down and cut the clients that are still being served.)
    check = "check inter 1s fall 2 rise 1"
    if isinstance(servers, Discovered):
        lines[lines.index("defaults"):lines.index("defaults")] = [
            "resolvers dns",
            f"    nameserver dns {servers.resolver}",
            "    hold valid 5s",
            "",
        ]
        # Servers found through DNS get their cookie from their address (`dynamic`); the key only spreads it.
        lines[-1] += " dynamic"
        lines.append("    dynamic-cookie-key workshop")
        lines.append(f"    server-template app 1-{servers.slots} {servers.service}:{servers.port} {check} "
                     f"maxconn {settings.max_connections} resolvers dns init-addr none")
    else:
        lines.extend(f"    server {backend.name} {backend.address} cookie {backend.name} {check} "
                     f"maxconn {settings.max_connections}" for backend in servers)
    return "\n".join(lines) + "\n"
