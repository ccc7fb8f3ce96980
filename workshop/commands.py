"""The `workshop` commands: serve, check-deck, export, seed-decks, settings (click; `serve`'s options bound to
their variables)."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from .config import Settings


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"workshop: {message}", err=True)
    sys.exit(code)


class _Raw(click.ParamType):  # type: ignore[type-arg]  # generic only in stubs
    """A `serve` option's value, handed through as the string given: `Settings.load` parses it with the
    setting's own parser, so a bad option is named together with every other bad value."""

    name = "text"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        """The string as given (from the command line or the option's variable)."""
        return value


class _RawFlag(click.types.BoolParamType):
    """`--x/--no-x` with its variable: the variable's string is handed through unparsed (one parser for
    both: the setting's); the command-line switches become "true"/"false"."""

    # click only allows `--x/--no-x` on a bool type; this one hands strings on, for the setting to parse.
    def convert(  # type: ignore[override]
            self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        """`True`/`False` from a switch as "true"/"false"; a variable's string as it is."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value


def _setting_option(name: str, help: str) -> click.Option:
    """An option of `serve` bound to its environment variable; its value is parsed with the setting's."""
    from .config import env_name_of, option_name

    return click.Option([option_name(name)], type=_Raw(), envvar=env_name_of(name),
                        show_envvar=True, default=None, help=help)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
def cli() -> None:
    """Run live, anonymous group workshops."""


def _check_listen_address(host: str, port: int) -> None:
    """Refuse, before any link is printed, an address that cannot be listened on: a host that does not
    resolve to an address of this machine, or a port another process holds."""
    from .config import ConfigError

    label = f"--host / WORKSHOP_HOST {host!r} and --port / WORKSHOP_PORT {port}"
    try:
        # As the servers do: the first address found, with SO_REUSEADDR (so sockets still closing don't count).
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
            probe.listen(1)
    except socket.gaierror as error:
        raise ConfigError(f"--host / WORKSHOP_HOST {host!r} is not an address to listen on: {error.strerror}") \
            from error
    except OSError as error:
        import errno

        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use by another process "
                              "(set --port / WORKSHOP_PORT to a free one)") from error
        raise ConfigError(f"cannot listen on {label}: {error.strerror or error}") from error


def _print_links(settings: Settings, redis_note: str, processes: str) -> None:
    """The links, printed once at start (they carry the tokens; never logged)."""
    public = settings.public_url
    click.echo(
        "\nworkshop is running\n"
        f"  Facilitator (keep private): {public}/?token={settings.facilitator_token}\n"
        f"  Organiser (keep private):   {public}/organiser?token={settings.organiser_token}\n"
        f"  Participants join at:       {public}  (phones on the same network)\n"
        f"  Redis:                      {redis_note}\n"
        f"  Async mode:                 {settings.async_mode}\n"
        f"  Processes:                  {processes}\n"
    )
    sys.stdout.flush()


def _serve(worker: str | None = None, **options: object) -> None:
    """Run the server, with its own private Redis unless WORKSHOP_REDIS_URL is set."""
    from . import create_app, logs, transport
    from .config import ConfigError, Settings
    from .private_redis import PrivateRedis, RedisUnavailable

    private = None
    try:
        settings = Settings.load(options={name: value for name, value in options.items()
                                          if value is None or isinstance(value, str)})
        logs.configure(settings.log_level)
        _check_listen_address(settings.host, settings.port)
        if settings.processes > 1 and not worker:
            _supervise(settings)
            return
        if not settings.redis_url:
            private = PrivateRedis(settings.data_dir)
            private.start()
            settings = dataclasses.replace(settings, redis_url=private.url)
        app = create_app(settings)
    except (ConfigError, RedisUnavailable) as error:
        if private:
            private.stop()
        _fail(str(error))
        return
    settings = app.extensions["workshop_settings"]
    socketio = app.extensions["workshop_socketio"]
    if worker:
        logging.getLogger("workshop").info("process listening", extra={"fields": {"worker": worker}})
    else:
        _print_links(settings, f"private Redis ({private.binary}, data in {private.directory})" if private
                     else "WORKSHOP_REDIS_URL", "1")
    if private:
        socketio.start_background_task(private.supervise, socketio.sleep)

    # `kill` and container stops send SIGTERM. Everything acknowledged is already in Redis, so ask the private
    # Redis to stop (it flushes its append-only file) and leave: a green server loop can swallow SystemExit
    # and hang. The handler runs in the event loop and must not wait for anything (eventlet and gevent
    # refuse); a background task waits, briefly, for the Redis to be gone, so it stops *with* the server.
    def leave(redis: PrivateRedis) -> None:
        redis.wait_stopped(timeout=3.0)
        os._exit(0)

    def stop(*_: object) -> None:
        if private is None:
            os._exit(0)
        private.terminate()
        socketio.start_background_task(leave, private)

    signal.signal(signal.SIGTERM, stop)
    run_options: dict[str, object] = {"host": settings.host, "port": settings.port, "log_output": False}
    if settings.async_mode == "eventlet":
        run_options["max_size"] = settings.max_connections
        run_options.update(logs.eventlet_server_options())
    elif settings.async_mode == "gevent":
        run_options["error_log"] = logs.ServerLog()
    elif settings.async_mode == "threading":
        run_options["allow_unsafe_werkzeug"] = True
    try:
        # The accept-time cap per address and the request timeout (transport.py).
        run_options.update(transport.server_options(app))
        tune_garbage_collector()
        socketio.run(app, **run_options)
    except KeyboardInterrupt:
        pass
    finally:
        if private:
            private.stop()


def tune_garbage_collector() -> None:
    """Collect garbage less often while serving.

    Every answer allocates a few hundred short-lived objects, and with thousands of connections alive,
    the default thresholds (a collection every 700 allocations) spent about half of a 2,000-answer burst in
    the collector (py-spy: the time showed up in trivial eventlet functions that merely allocate). What is
    loaded at start (modules, templates, decks) is frozen out of every collection; young objects are
    collected every 50,000 allocations, a few MB, which keeps memory bounded.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _supervise(settings: Settings) -> None:
    """`serve --processes N`: the app processes behind HAProxy, and the private Redis, until SIGTERM or Ctrl-C."""
    from .config import ConfigError
    from .private_redis import PrivateRedis, RedisUnavailable
    from .supervisor import Supervisor

    haproxy = Supervisor.haproxy_binary(settings.processes)  # before anything starts
    private = None
    supervisor = None
    try:
        if not settings.redis_url:
            private = PrivateRedis(settings.data_dir)
            private.start()
            settings = dataclasses.replace(settings, redis_url=private.url)
        settings = settings.completed()  # the secrets are written once, here, before the processes read them
        supervisor = Supervisor(settings, private, haproxy)
        signal.signal(signal.SIGTERM, supervisor.request_stop)
        signal.signal(signal.SIGINT, supervisor.request_stop)
        supervisor.start()
    except (ConfigError, RedisUnavailable, OSError) as error:
        if supervisor:
            supervisor.stop()
        elif private:
            private.stop()
        _fail(str(error))
        return
    redis_note = (f"private Redis ({private.binary}, data in {private.directory})" if private
                  else "WORKSHOP_REDIS_URL")
    _print_links(settings, redis_note, f"{settings.processes} behind HAProxy (cookie stickiness, leastconn)")
    try:
        supervisor.run()
    finally:
        supervisor.stop()


serve = click.Command("serve", callback=_serve, help=_serve.__doc__, params=[
    _setting_option("host", "address to listen on [default: 0.0.0.0]"),
    _setting_option("port", "port to listen on [default: 5000]"),
    _setting_option("processes", "app processes behind HAProxy, sharing one Redis [default: 1]"),
    # One of the processes `--processes` starts (internal): no links printed, no private Redis.
    click.Option(["--worker"], hidden=True, default=None),
    _setting_option("log_level", "debug, info, warning or error [default: info]"),
    click.Option(["--access-log/--no-access-log"], type=_RawFlag(), envvar="WORKSHOP_ACCESS_LOG", show_envvar=True,
                 default=None, help="log one line per HTTP request, without query strings, addresses or user agents"),
])
cli.add_command(serve)


@cli.command("check-deck")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def check_deck(files: tuple[Path, ...]) -> None:
    """Validate deck files: exit 1 with FILE:LINE: message for each problem."""
    from .decks import DeckError, load_deck

    failed = False
    for path in files:
        try:
            deck = load_deck(path)
        except DeckError as error:
            failed = True
            for problem in error.problems:
                click.echo(problem)
            continue
        click.echo(f"{path}: ok ({len(deck.slides)} slides, {len(deck.polls())} polls)", err=True)
    sys.exit(1 if failed else 0)


@cli.command("export")
@click.argument("session")
@click.option("--format", "kind", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="file to write [default: standard output]")
def export(session: str, kind: str, output: str) -> None:
    """Write a session's anonymised results: the same bytes as the HTTP download."""
    from .config import ConfigError, Settings
    from .export import to_csv, to_json
    from .live import LiveError, Workshop
    from .private_redis import PrivateRedis, RedisUnavailable
    from .store import Store, connect

    started = None
    try:
        settings = Settings.load()
        url = settings.redis_url
        if not url:
            # The server's private Redis: use it if the server runs, else start it just for this export.
            private = PrivateRedis(settings.data_dir)
            if not private.answers():
                private.start()
                started = private
            url = private.url
        document = Workshop(Store(connect(url)), settings).results_document(session)
    except (ConfigError, RedisUnavailable) as error:
        _fail(str(error))
        return
    except LiveError as error:
        _fail(f"{session}: {error.message}", 1)
        return
    finally:
        if started:
            started.stop()
    text = to_csv(document) if kind == "csv" else to_json(document)
    # Bytes, so line ends and the byte-order mark are exactly the HTTP download's on every platform.
    with click.open_file(output, "wb") as stream:
        stream.write(text.encode("utf-8"))


@cli.command("seed-decks")
@click.option("--from", "source", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="the decks to copy [default: the bundled decks/]")
def seed_decks_command(source: Path | None) -> None:
    """Copy the bundled decks into WORKSHOP_DECKS_DIR if it never held any (a decks volume's first start).

    Safe to run before every start: a directory that was seeded once, or holds decks of its own, is left alone.
    """
    from .config import PROJECT_ROOT, ConfigError, Settings
    from .seeding import SeedError, seed_decks

    try:
        target = Settings.load().decks_dir
    except ConfigError as error:
        _fail(str(error))
        return
    source = source or PROJECT_ROOT / "decks"
    try:
        seeded = seed_decks(source, target)
    except SeedError as error:
        _fail(str(error), 1)
        return
    messages = {
        "seeded": f"{target}: copied {', '.join(seeded.copied) or 'nothing'} from {source}",
        "already": f"{target}: seeded before; left as it is",
        "has_decks": f"{target}: holds decks already; left as it is",
        "same": f"{target} is the bundled decks directory; nothing to copy",
        "no_source": f"no decks to copy at {source}; {target} left as it is",
    }
    click.echo(f"workshop seed-decks: {messages[seeded.status]}", err=True)


@cli.command("settings")
def settings_command() -> None:
    """Print the table of WORKSHOP_* settings (the README's)."""
    from .config import settings_table

    click.echo(settings_table(), nl=False)
