"""HTTP routes: pages and the JSON API. Authenticate, validate, call the domain, answer."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import cast
from urllib.parse import quote, urlencode

import redis
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as Redirect

from .config import Settings
from .deck_files import DeckFiles, valid_id
from .decks import Deck, load_decks
from .export import ResultsDocument, report_reactions, report_sections, to_csv, to_json
from .i18n import gettext as _
from .i18n import keep_phone_language, phone_language, request_language, use_language
from .languages import DEFAULT_LANGUAGE, supported
from .live import LiveError, SessionPage, Workshop, keys_equal, normalise_code
from .logins import LOGIN_TTL, Login, Logins
from .media import SVG_POLICY
from .qr import qr_svg
from .throttle import SharedFailureThrottle

bp = Blueprint("web", __name__)


@bp.record_once
def _per_app_state(state: BlueprintSetupState) -> None:
    """What this web layer sets up per app: the join-code throttle, and the login cookie.

    The cookie holds only a login id (`logins.py`), so it expires with its login (set when the login is
    granted, not pushed on by each request), and it is sent only over HTTPS when the public URL is HTTPS.
    """
    app = state.app
    # In Redis, so every process behind the balancer counts the same failures; keyed like the join limits, with
    # a key that never reaches the disk.
    live_ = app.extensions["workshop"]
    app.extensions["workshop_join_throttle"] = SharedFailureThrottle(live_.store.redis,
                                                                     live_.address_secret.decode())
    # The deck files the deck API edits (deck_files.py): one per app, so its in-process lock is shared.
    settings_ = cast(Settings, app.extensions["workshop_settings"])
    app.extensions["workshop_deck_files"] = DeckFiles(settings_.decks_dir,
                                                       min_free_bytes=settings_.decks_min_free_mb * 1024 * 1024)
    public_url = cast(Settings, app.extensions["workshop_settings"]).public_url or ""
    app.config.update(PERMANENT_SESSION_LIFETIME=timedelta(seconds=LOGIN_TTL), SESSION_REFRESH_EACH_REQUEST=False,
                      SESSION_COOKIE_SECURE=public_url.lower().startswith("https://"))


def join_throttle() -> SharedFailureThrottle:
    """The app's throttle of failed join-code lookups."""
    return cast(SharedFailureThrottle, current_app.extensions["workshop_join_throttle"])

ERROR_CODES = {400: "invalid_payload", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 429: "rate_limited", 503: "unavailable"}


class ApiError(Exception):
    """An error answered as contract JSON."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def live() -> Workshop:
    """The app's use cases."""
    return cast(Workshop, current_app.extensions["workshop"])


def logins() -> Logins:
    """The app's login store."""
    return cast(Logins, current_app.extensions["workshop_logins"])


def settings() -> Settings:
    """The app's settings."""
    return cast(Settings, current_app.extensions["workshop_settings"])


def deck_files() -> DeckFiles:
    """The app's deck files (the deck API's storage)."""
    return cast(DeckFiles, current_app.extensions["workshop_deck_files"])


def decks() -> dict[str, Deck]:
    """The decks on disk now, so an edited deck is picked up without a restart."""
    loaded, problems = load_decks(settings().decks_dir)
    for problem in problems:
        current_app.logger.warning("deck skipped: %s", problem)
    return loaded


def _bearer() -> str | None:
    """A secret from `Authorization: Bearer` (HTTP clients)."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def current_login() -> Login | None:
    """This browser's login (see `logins.py`), read once per request; a cookie whose login is gone is dropped."""
    if "workshop_login" not in g:
        login_id = session.get("login")
        g.workshop_login = logins().get(login_id) if login_id is not None else None
        if g.workshop_login is None and "login" in session:
            session.pop("login")
    return cast(Login | None, g.workshop_login)


def _holds(role: str, configured: str | None) -> bool:
    """The request proves a server-wide role: a Bearer token, else a login that proved today's token."""
    presented = _bearer()
    if presented is not None:
        return keys_equal(presented, configured)
    login = current_login()
    return login is not None and login.holds(role, configured)


def staff_browser() -> bool:
    """This browser holds a staff login (a server token or a session key): its pages, and its Socket.IO connect."""
    login = current_login()
    return login is not None and bool(login.fingerprints or login.keys)


def is_facilitator() -> bool:
    """The request carries the server-wide facilitator token."""
    return _holds("facilitator", settings().facilitator_token)


def is_organiser() -> bool:
    """The request carries the organiser token."""
    return _holds("organiser", settings().organiser_token)


def require(check: Callable[[], bool]) -> None:
    """Refuse an API call without the right token."""
    if not check():
        has_secret = request.headers.get("Authorization") or current_login() is not None
        raise ApiError(403 if has_secret else 401, "forbidden" if has_secret else "unauthorized",
                       "a valid token is required: use the link printed by `workshop serve`")


# What cookies held before logins: raw secrets. Dropped from any cookie that still has them.
_LEGACY_COOKIE_FIELDS = ("facilitator", "organiser", "keys")


def _session_role(session_id: str, key: str) -> str | None:
    """The role a key proves for a session, or None (also for a session that does not exist)."""
    try:
        return live().session_page(session_id, [key], ("facilitator", "presenter")).role
    except LiveError:
        return None


# What a browser says of a request's origin (`Sec-Fetch-Site`) when another site's page made it.
_OTHER_SITES = frozenset({"cross-site", "same-site"})


@bp.before_app_request
def refuse_writes_from_other_sites() -> None:
    """No page of another origin may write with this browser's login cookie: SameSite=Lax keeps it off other
    sites' POSTs but not off a same-site origin's (another port of this host, a sibling subdomain), whose plain
    form needs no CORS preflight. Scripts send no `Sec-Fetch-Site`, and a Bearer token is never sent by a page."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get("Sec-Fetch-Site") in _OTHER_SITES:
        raise ApiError(403, "forbidden", "this request came from another site's page; use this site's own pages")


@bp.before_app_request
def keep_secret_from_query() -> Redirect | None:
    """Log in with a `?token=` or `?key=` and redirect to the same URL without it.

    Only a secret that proves something is kept: a server-wide token that matches, a key that is this
    session's facilitator or presenter key. The cookie gets only the login's random id; what it proved
    goes to the login's Redis record (`logins.py`).
    """
    if request.endpoint == "static":
        return None  # no cookie read: a static response then needs no `Vary: Cookie`
    for name in _LEGACY_COOKIE_FIELDS:
        if name in session:  # (a pop of nothing would still rewrite the cookie)
            session.pop(name)
    if request.method != "GET" or not ({"token", "key"} & set(request.args)):
        return None
    token, key = request.args.get("token", ""), request.args.get("key", "")
    tokens = {role: token for role, configured in (("facilitator", settings().facilitator_token),
                                                   ("organiser", settings().organiser_token))
              if token and keys_equal(token, configured)}
    session_id = (request.view_args or {}).get("session_id")
    role = _session_role(session_id, key) if key and isinstance(session_id, str) else None
    keys = [(cast(str, session_id), role, key)] if role else []
    if tokens or keys:
        login = logins().grant(current_login(), tokens, keys)
        g.workshop_login = login
        session["login"] = login.id
        session.permanent = True
    rest = [(name, value) for name, value in request.args.items(multi=True) if name not in ("token", "key")]
    response = redirect(same_site_location(request.path, urlencode(rest)))
    response.headers["Cache-Control"] = "no-store"
    return response


# Characters a path segment may carry unencoded (RFC 3986 pchar), minus "\\" and anything browsers drop or fold.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def same_site_location(path: str, query: str = "") -> str:
    """A redirect target on this site: the (decoded) path percent-encoded, never `//host` or `/\\host`.

    Browsers strip tabs and newlines from a Location and read a backslash as a slash, so a target is
    built only from an encoded path that starts with exactly one "/".
    """
    encoded = "/" + quote(path, safe=_PATH_SAFE).lstrip("/")
    return encoded + (f"?{query}" if query else "")


# Pages load only their own scripts: slide HTML and text answers can never run script, even if escaping failed.
# The one inline script a page may have is its import map, allowed by its hash (statics.module_script).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; worker-src 'self'; frame-ancestors {frames}; "
                           "base-uri 'none'; form-action 'self'")


def framed_by_this_site() -> None:
    """Let this response's page be shown in a frame of this site's own pages (the rehearse page frames a practice
    session's console, presenter screen and phone); every other page may be framed by nothing."""
    g.workshop_frame_ancestors = "'self'"


@bp.after_app_request
def security_headers(response: Response) -> Response:
    """Same-origin everything; no framing (but a practice session's pages, by this site); no sniffing."""
    hashes = "".join(" " + source for source in g.get("workshop_script_hashes", ()))
    if request.endpoint != "static":  # static files set their own (statics.static_file), or need none
        policy = CONTENT_SECURITY_POLICY.format(hashes=hashes, frames=g.get("workshop_frame_ancestors", "'none'"))
        response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.app_errorhandler(ApiError)
def api_error(error: ApiError) -> tuple[Response, int]:
    return jsonify(error=error.code, message=error.message), error.status


def _refusal_text(code: str) -> str:
    """What a page says for a refused request (the API's English message is for programs)."""
    texts = {"not_found": _("There is no such session."),
             "forbidden": _("This is not allowed here."),
             "invalid_payload": _("That request was not understood.")}
    return texts.get(code) or _("The server cannot do this right now. Please try again in a moment.")


@bp.app_errorhandler(LiveError)
def live_error(error: LiveError) -> tuple[Response | str, int]:
    status = {"not_found": 404, "forbidden": 403, "invalid_payload": 400}.get(error.code, 503)
    if request.path.startswith("/api/"):
        return jsonify(error=error.code, message=error.message), status
    return render_template("message.html", page_title=_("Not available"), title=_("Not available"),
                           message=_refusal_text(error.code), status=status), status


@bp.app_errorhandler(redis.RedisError)
def redis_error(error: redis.RedisError) -> tuple[Response | str, int]:
    if request.path.startswith("/api/"):
        return jsonify(error="unavailable", message="the data store cannot be reached; try again"), 503
    return render_template("message.html", page_title=_("Unavailable"), title=_("Please try again"),
                           message=_("The server cannot reach its data store right now."), status=503), 503


def _http_texts(status: int) -> tuple[str, str]:
    """A page's title and message for an HTTP error status, in the page's language."""
    texts = {
        400: (_("Bad request"), _("The server could not understand this request.")),
        401: (_("Sign-in needed"), _("This page needs a link with a token. Open the link printed by the server.")),
        403: (_("Not allowed"), _("This page is not open to this browser.")),
        404: (_("Not found"), _("There is no page at this address. Check the address and try again.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        413: (_("Too large"), _("What was sent is too large.")),
        429: (_("Too many requests"), _("Too many requests in a short time. Wait a moment, then try again.")),
    }
    return texts.get(status) or (_("Something went wrong"), _("The server could not answer. Please try again."))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    if request.path.startswith("/api/"):
        return jsonify(error=ERROR_CODES.get(status, "error"), message=error.description), status
    title, message = _http_texts(status)
    # A description given with abort() is already this page's own sentence, in its language (_() at the call).
    if error.description and error.description != type(error).description:
        message = error.description
    return render_template("message.html", page_title=title, title=title, message=message, status=status), status


# Pages --------------------------------------------------------------------------------------------------

def private(body: str, status: int = 200) -> Response:
    """A page that embeds a key or staff data: never stored by the browser or any cache."""
    response = Response(body, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def logout_token() -> str | None:
    """The form token of this browser's login, for its "Log out" button; None without a login."""
    login = current_login()
    return login.csrf if login else None


@bp.get("/")
def home() -> Response | str:
    """The facilitator's deck picker, or a join form for everyone else."""
    authorized = is_facilitator()
    if not authorized:
        return render_template("home.html", page_title=_("Workshop"), authorized=False, decks=[], error=None)
    listing = [{"id": deck.id, "title": deck.title, "description": deck.description,
                "slides": len(deck.slides)} for deck in decks().values()]
    running = live().running_sessions()
    return private(render_template("home.html", page_title=_("Workshop"), authorized=True, decks=listing,
                                   running=running, error=None, logout_token=logout_token()))


@bp.post("/logout")
def logout() -> Redirect:
    """End this browser's login: its Redis record and its cookie. The form must bring the login's token."""
    login = current_login()
    if login is not None:
        if not secrets.compare_digest(request.form.get("csrf", ""), login.csrf):
            abort(403, _("This log-out request did not come from this site's own page. Reload the page and try "
                         "again."))
        logins().end(login.id)
    session.clear()
    response = redirect(url_for("web.home"), 303)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/j")
def join_by_code() -> Redirect:
    """The typed-code form lands here."""
    code = normalise_code(request.args.get("code", ""))
    return redirect(url_for("web.participant", code=code) if code else url_for("web.home"))


@bp.get("/j/<code>")
def participant(code: str) -> Response | tuple[str, int, dict[str, str]]:
    """The phone page (the QR code's target), in the deck's language unless this phone chose its own.

    An ended code answers exactly as one that never existed, so guesses learn nothing; an address with
    too many failed lookups is refused before any lookup.
    """
    own = phone_language()
    address = request.remote_addr or ""
    wait = join_throttle().retry_after(address)
    if wait:
        return render_template("message.html", page_title=_("Too many tries"), title=_("Too many tries"),
                               message=_("Too many wrong codes came from this network. Wait a minute, then type "
                                         "the code shown on the screen."), status=429), \
            429, {"Retry-After": str(int(wait) + 1)}
    page = live().join_page(code)
    # A practice admits only its facilitator's own browser (`Workshop._connect_participant`); to any other phone
    # its code is a wrong one.
    if page.status != "live" or (page.practice and not staff_browser()):
        join_throttle().failed(address)
        # One page for both: a phone reloading after the end and a mistyped code read it right.
        return render_template("message.html", page_title=_("Not found"),
                               title=_("This workshop has ended, or the code is wrong"),
                               message=_("There is no live workshop with the code %(code)s. If you are joining, "
                                         "check the code on the screen and try again.", code=page.code),
                               status=404), 404, {}
    if page.practice:
        framed_by_this_site()
    lang = own or page.lang
    use_language(lang)
    # The offline page the worker keeps is in this page's language (web.service_worker).
    worker = url_for("web.service_worker", lang=None if lang == DEFAULT_LANGUAGE else lang)
    response = Response(render_template("participant.html", page_title=page.title or _("Workshop"), code=page.code,
                                        practice=page.practice,
                                        service_worker=worker, service_worker_scope=url_for("web.join_by_code") + "/",
                                        deck_lang=page.lang), mimetype="text/html")
    keep_phone_language(response, url_for("web.participant", code=code))  # the address this phone uses
    return response


# The offline page and the static files it loads: what the phones' service worker precaches. The one list,
# built with url_for, so fingerprinted asset URLs reach the worker by themselves.
OFFLINE_STATIC = ("css/app.css", "js/offline.js")
# The literal in static/js/sw.js that `service_worker` replaces with the cache name and the URLs.
SW_CONFIG_PLACEHOLDER = "({ cache: 'workshop-offline-dev', page: '', urls: [] })"


@bp.get("/offline")
def offline() -> str:
    """What a phone's service worker shows while the server cannot be reached: no session data in it.

    In the language its phone page asked for (`?lang=`), which is not a staff browser's choice to keep.
    """
    use_language(supported(request.args.get("lang")) or request_language())
    return render_template("offline.html", page_title=_("Reconnecting · Workshop"),
                           health_url=url_for("web.healthz"), home_url=url_for("web.home"))


@bp.get("/sw.js")
def service_worker() -> Response:
    """The phones' service worker, with its precache list and a cache name that changes with any of their bytes.

    Served from the root so its scope may be the participant pages (`/j/`); `no-cache` so a phone checks
    for a new version on each visit.
    """
    static = Path(current_app.static_folder or "static")
    source = (static / "js" / "sw.js").read_text(encoding="utf-8")
    page = url_for("web.offline", lang=supported(request.args.get("lang")))  # the phone page's language
    urls = [page, *(url_for("static", filename=name) for name in OFFLINE_STATIC)]
    digest = hashlib.sha256("\n".join([source, *urls, offline()]).encode())
    for name in OFFLINE_STATIC:
        digest.update((static / name).read_bytes())
    config = json.dumps({"cache": f"workshop-offline-{digest.hexdigest()[:16]}", "page": page, "urls": urls})
    if SW_CONFIG_PLACEHOLDER not in source:
        raise RuntimeError("static/js/sw.js lost its configuration placeholder")
    response = Response(source.replace(SW_CONFIG_PLACEHOLDER, f"({config})", 1), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _session_page(session_id: str, *roles: str) -> SessionPage:
    """The session's page, with the first key this browser holds for one of the roles (in order)."""
    login = current_login()
    try:
        return live().session_page(session_id, login.keys_for(session_id) if login else [], roles,
                                   facilitator=is_facilitator())
    except LiveError as error:
        if error.code == "not_found":
            abort(404, _("There is no such session."))
        raise


def _ended_page() -> Response:
    """What the console and presenter links show once their session has ended (their keys no longer exist)."""
    return private(render_template("message.html", page_title=_("Ended"), title=_("This session has ended"),
                                   message=_("Its anonymised results are on the organiser page."), status=410), 410)


def _page_context(page: SessionPage) -> dict[str, object]:
    return {"session_id": page.session_id, "code": page.code, "join_url": page.join_url, "key": page.key,
            "qr_url": url_for("web.qr_code", session_id=page.session_id), "page_title": page.title,
            "practice": page.practice, "deck_lang": page.lang}


def _staff_page(session_id: str, roles: tuple[str, ...], needs_key: str, framed_in_practice: bool = True,
                deck_language: bool = False) -> SessionPage:
    """A staff screen's session page, or why not: the ended page, or 403 (`needs_key`) without a key for `roles`.

    `deck_language`: the screen speaks the deck's language (`?lang=` to see it in another), its ended page too.
    `framed_in_practice`: in a practice session the rehearse page shows the screen in a frame.
    """
    page = _session_page(session_id, *roles)
    if deck_language:
        use_language(supported(request.args.get("lang")) or page.lang)
    if page.ended:
        abort(_ended_page())
    if page.key is None:
        abort(403, needs_key)
    if page.practice and framed_in_practice:
        framed_by_this_site()
    return page


@bp.get("/s/<session_id>/present")
def presenter(session_id: str) -> Response:
    """The projector screen; opened by the facilitator it may also step the slides."""
    page = _staff_page(session_id, ("facilitator", "presenter"),
                       _("This screen needs the presenter link of the session."), deck_language=True)
    return private(render_template("presenter.html", can_control=page.role == "facilitator",
                                   **_page_context(page)))


@bp.get("/s/<session_id>/console")
def console(session_id: str) -> Response:
    """The facilitator's console."""
    page = _staff_page(session_id, ("facilitator",), _("The console needs the facilitator link of the session."))
    presenter_url = url_for("web.presenter", session_id=session_id)
    # In the rehearse page's frame (a practice session only) the console leaves out what that page shows itself.
    embedded = page.practice and request.args.get("embed") == "1"
    return private(render_template("console.html", presenter_url=presenter_url, logout_token=logout_token(),
                                   embedded=embedded, **_page_context(page)))


@bp.get("/s/<session_id>/rehearse")
def rehearse(session_id: str) -> Response:
    """A practice session on one screen: its console, presenter screen and a phone side by side (rehearse.js)."""
    page = _staff_page(session_id, ("facilitator",), _("Rehearsing needs the facilitator link of the session."),
                       framed_in_practice=False)
    if not page.practice:
        abort(404, _("Only a practice session can be rehearsed here; this session is live with its room."))
    return private(render_template(
        "rehearse.html", deck=page.deck, logout_token=logout_token(),
        console_url=url_for("web.console", session_id=session_id, embed=1),
        presenter_url=url_for("web.presenter", session_id=session_id),
        phone_url=url_for("web.participant", code=page.code), **_page_context(page)))


# API ----------------------------------------------------------------------------------------------------

@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 while Redis answers, else 503."""
    if live().healthy():
        return jsonify(status="ok"), 200
    return jsonify(status="unavailable"), 503


@bp.get("/api/decks")
def list_decks() -> Response:
    """The decks a facilitator can start, with what the deck library shows (`docs/contract-additions.md`)."""
    require(is_facilitator)
    in_use = live().decks_in_use()
    return jsonify([{"id": deck.id, "title": deck.title, "slides": len(deck.slides), "description": deck.description,
                     "lang": deck.lang, "polls": len(deck.polls()), "modified": deck_files().modified(deck.id),
                     "in_use": in_use.get(deck.id, 0), "editable": valid_id(deck.id)}
                    for deck in decks().values()])


def _absolute(path: str) -> str:
    return live().public_url + path


@bp.post("/api/sessions")
def start_session() -> tuple[Response, int]:
    """Start a session on a deck."""
    require(is_facilitator)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("deck"), str):
        raise ApiError(400, "invalid_payload", 'send JSON like {"deck": "interdependence"}')
    practice = body.get("practice", False)
    if not isinstance(practice, bool):
        raise ApiError(400, "invalid_payload", "practice must be true or false")
    deck = decks().get(body["deck"])
    if deck is None:
        raise ApiError(404, "not_found", f"no deck called '{body['deck']}'")
    version = deck_files().version_of(deck.id, deck.source)
    started = live().start_session(deck, body.get("name"), practice=practice, deck_version=version)
    answer: dict[str, object] = {
        "id": started.id,
        "code": started.code,
        "join_url": live().join_url(started.code),
        "presenter_url": _absolute(url_for("web.presenter", session_id=started.id, key=started.presenter_key)),
        "facilitator_url": _absolute(url_for("web.console", session_id=started.id, key=started.facilitator_key)),
        "qr_url": _absolute(url_for("web.qr_code", session_id=started.id)),
        "deck_version": version,
        "practice": practice,
    }
    if practice:
        answer["rehearse_url"] = _absolute(url_for("web.rehearse", session_id=started.id,
                                                   key=started.facilitator_key))
    return jsonify(answer), 201


@bp.get("/api/sessions/<session_id>/qr.svg")
def qr_code(session_id: str) -> Response:
    """A QR code of the session's join URL."""
    try:
        join_url = live().join_url_of(session_id)
    except LiveError as error:
        raise ApiError(404, "not_found", "no such session") from error
    response = Response(qr_svg(join_url), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/decks/<deck_id>/media/<name>")
def deck_media(deck_id: str, name: str) -> Response:
    """A picture of a deck's folder (`media.py`): only image types, checked SVGs, under a policy of their own.

    With the `v` its slide's HTML carries (the picture's hash) it is cached for good; without it, or with an
    older one (the file changed during a session), the current file is sent and revalidated each time.
    """
    picture = live().media.picture(deck_id, name)
    if picture is None:
        abort(404, _("There is no such picture."))
    response = Response(picture.data, content_type=picture.content_type)  # no charset: XML says its own
    response.set_etag(picture.digest)
    if request.args.get("v") == picture.digest:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    if picture.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.make_conditional(request)
    return response


# Organisers ---------------------------------------------------------------------------------------------

@bp.get("/api/sessions")
def list_sessions() -> Response:
    """Every session kept, newest first."""
    require(is_organiser)
    return jsonify(live().session_summaries())


def _tell_ended(session_id: str) -> None:
    """Every screen and phone of a session that just ended hears it."""
    current_app.extensions["workshop_broadcaster"].tell_ended(session_id)


@bp.post("/api/sessions/<session_id>/end")
def end_session(session_id: str) -> Response:
    """End a live session from the organiser's page (as the facilitator's `end_session` does)."""
    require(is_organiser)
    if live().end_by_organiser(session_id):
        _tell_ended(session_id)
    return jsonify(id=session_id, status="ended")


@bp.delete("/api/sessions/<session_id>")
def delete_session(session_id: str) -> tuple[str, int]:
    """Delete a session's data now: its aggregates too, not only the per-person links an end deletes."""
    require(is_organiser)
    if live().delete_session(session_id):
        _tell_ended(session_id)
    return "", 204


def _download(session_id: str, extension: str) -> tuple[ResultsDocument, dict[str, str]]:
    require(is_organiser)
    document = live().results_document(session_id)
    session_info = document["session"]
    name = f"workshop-{session_info['deck']}-{session_info['created']}-{session_id}-results.{extension}"
    return document, {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@bp.get("/api/sessions/<session_id>/results.json")
def results_json(session_id: str) -> Response:
    """Anonymised results as JSON."""
    document, headers = _download(session_id, "json")
    return Response(to_json(document), mimetype="application/json", headers=headers)


@bp.get("/api/sessions/<session_id>/results.csv")
def results_csv(session_id: str) -> Response:
    """Anonymised results as CSV, one row per poll and option."""
    document, headers = _download(session_id, "csv")
    return Response(to_csv(document), mimetype="text/csv", headers=headers)


def _duration(started_at: str | None, ended_at: str | None) -> str:
    """How long an ended session ran, as people say it ("1 h 05 min", "12 min"); empty when unknown."""
    from datetime import datetime

    if not started_at or not ended_at:
        return ""
    seconds = (datetime.fromisoformat(ended_at) - datetime.fromisoformat(started_at)).total_seconds()
    minutes = max(0, round(seconds / 60))
    if minutes >= 60:
        return _("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=str(minutes % 60).zfill(2))
    return _("%(minutes)s min", minutes=minutes)


def _organiser_page() -> str | None:
    if is_organiser():
        return None
    return render_template("message.html", page_title=_("Organisers"), title=_("Organiser link needed"),
                           message=_("Open the organiser link printed by `workshop serve`."), status=401)


@bp.get("/organiser")
def organiser() -> tuple[str, int] | Response:
    """Sessions, live and ended, with downloads and reports."""
    refused = _organiser_page()
    if refused:
        return refused, 401
    sessions = [{**summary, "duration": _duration(summary["started_at"], summary["ended_at"])}
                for summary in live().session_summaries()]
    return private(render_template("organiser.html", page_title=_("Organiser"), sessions=sessions,
                                   min_responses=live().min_responses, retention_days=live().retention_days,
                                   logout_token=logout_token()))


@bp.get("/organiser/sessions/<session_id>/report")
def report(session_id: str) -> tuple[str, int] | Response:
    """A printable report: one section per poll with its question, answer count and chart."""
    refused = _organiser_page()
    if refused:
        return refused, 401
    document = live().results_document(session_id)
    return private(render_template("report.html", page_title=_("Results report"), doc=document,
                                   sections=report_sections(document), min_responses=live().min_responses,
                                   reactions=report_reactions(document)))
