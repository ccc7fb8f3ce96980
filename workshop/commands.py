"""The `workshop` commands: serve, check-deck, export, settings (click, each option bound to its variable)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"workshop: {message}", err=True)
    sys.exit(code)


class _SettingType(click.ParamType):  # type: ignore[type-arg]  # generic only in stubs
    """A command-line option parsed exactly as its `WORKSHOP_*` variable is (one validation for both)."""

    def __init__(self, field_name: str):
        from .config import Settings, described_fields

        self.name = field_name
        self._parse = next(spec.metadata["parse"] for spec in described_fields() if spec.name == field_name)
        self._settings = Settings

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        """Parse a string with the setting's own parser."""
        if not isinstance(value, str):
            return value
        try:
            return self._parse(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


def _setting_option(name: str, help: str) -> click.Option:
    """An option of `serve` bound to its environment variable, with the setting's default and parser."""
    from .config import env_name_of

    return click.Option([f"--{name.replace('_', '-')}"], type=_SettingType(name), envvar=env_name_of(name),
                        show_envvar=True, default=None, help=help)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
def cli() -> None:
    """Run live, anonymous group workshops."""


def _serve(**options: object) -> None:
    """Run the server, with its own private Redis unless WORKSHOP_REDIS_URL is set."""
    from . import create_app, logs
    from .config import ConfigError, Settings
    from .private_redis import PrivateRedis, RedisUnavailable

    private = None
    try:
        settings = Settings.load(overrides={name: value for name, value in options.items() if value is not None})
        logs.configure(settings.log_level)
        if not settings.redis_url:
            private = PrivateRedis(settings.data_dir)
            private.start()
            settings = Settings.load(overrides={**options, "redis_url": private.url})
        app = create_app(settings)
    except (ConfigError, RedisUnavailable) as error:
        if private:
            private.stop()
        _fail(str(error))
        return
    settings = app.extensions["workshop_settings"]
    socketio = app.extensions["workshop_socketio"]
    public = settings.public_url
    redis_note = f"private Redis ({private.binary}, data in {private.directory})" if private else "WORKSHOP_REDIS_URL"
    # The links carry the tokens once; they are printed here only, never logged.
    click.echo(
        "\nworkshop is running\n"
        f"  Facilitator (keep private): {public}/?token={settings.facilitator_token}\n"
        f"  Organiser (keep private):   {public}/organiser?token={settings.organiser_token}\n"
        f"  Participants join at:       {public}  (phones on the same network)\n"
        f"  Redis:                      {redis_note}\n"
        f"  Async mode:                 {settings.async_mode}\n"
    )
    sys.stdout.flush()
    if private:
        socketio.start_background_task(private.supervise, socketio.sleep)

    # `kill` and container stops send SIGTERM. Everything acknowledged is already in Redis, so stop the
    # private Redis (it flushes its append-only file) and leave at once: a green server loop can swallow
    # SystemExit and hang.
    def stop(*_: object) -> None:
        if private:
            private.stop()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    run_options: dict[str, object] = {"host": settings.host, "port": settings.port, "log_output": False}
    if settings.async_mode == "eventlet":
        run_options["max_size"] = settings.max_connections
    elif settings.async_mode == "threading":
        run_options["allow_unsafe_werkzeug"] = True
    try:
        socketio.run(app, **run_options)
    except KeyboardInterrupt:
        pass
    finally:
        if private:
            private.stop()


serve = click.Command("serve", callback=_serve, help=_serve.__doc__, params=[
    _setting_option("host", "address to listen on [default: 0.0.0.0]"),
    _setting_option("port", "port to listen on [default: 5000]"),
    _setting_option("log_level", "debug, info, warning or error [default: info]"),
    click.Option(["--access-log/--no-access-log"], envvar="WORKSHOP_ACCESS_LOG", show_envvar=True, default=None,
                 help="log one line per HTTP request, without query strings, addresses or user agents"),
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


@cli.command("settings")
def settings_command() -> None:
    """Print the table of WORKSHOP_* settings (the README's)."""
    from .config import settings_table

    click.echo(settings_table(), nl=False)
