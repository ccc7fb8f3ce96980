"""The `workshop` command: serve, check-deck."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings


def _patch(mode: str) -> None:
    """Monkey-patch for the async mode before anything else imports socket or threading."""
    if mode == "eventlet":
        # eventlet warns at import that it is in bug-fix-only mode; WORKSHOP_ASYNC_MODE=gevent is the way off.
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()


def _serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import create_app
    from .config import ConfigError
    from .private_redis import PrivateRedis, RedisUnavailable

    overrides: dict[str, object] = {"PORT": args.port}
    private = None
    try:
        if not os.environ.get("WORKSHOP_REDIS_URL"):
            data_dir = Path(os.environ.get("WORKSHOP_DATA_DIR") or "instance").resolve()
            private = PrivateRedis(data_dir)
            private.start()
            overrides["REDIS_URL"] = private.url
        app = create_app(overrides)
    except (ConfigError, RedisUnavailable) as error:
        if private:
            private.stop()
        print(f"workshop: {error}", file=sys.stderr)
        return 2
    socketio = app.extensions["workshop_socketio"]
    config = app.config
    public = config["WORKSHOP_PUBLIC_URL"]
    redis_note = f"private Redis ({private.binary}, data in {private.directory})" if private else "WORKSHOP_REDIS_URL"
    print(
        "\nworkshop is running\n"
        f"  Facilitator (keep private): {public}/?token={config['WORKSHOP_FACILITATOR_TOKEN']}\n"
        f"  Organiser (keep private):   {public}/organiser?token={config['WORKSHOP_ORGANISER_TOKEN']}\n"
        f"  Organiser token:            {config['WORKSHOP_ORGANISER_TOKEN']}\n"
        f"  Participants join at:       {public}  (phones on the same network)\n"
        f"  Redis:                      {redis_note}\n"
        f"  Async mode:                 {config['WORKSHOP_ASYNC_MODE']}\n",
        flush=True,
    )
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
    run_options: dict[str, object] = {"host": args.host, "port": args.port, "log_output": False}
    if config["WORKSHOP_ASYNC_MODE"] == "eventlet":
        run_options["max_size"] = config["WORKSHOP_MAX_CONNECTIONS"]
    elif config["WORKSHOP_ASYNC_MODE"] == "threading":
        run_options["allow_unsafe_werkzeug"] = True
    try:
        socketio.run(app, **run_options)
    except KeyboardInterrupt:
        pass
    finally:
        if private:
            private.stop()
    return 0


def _check_deck(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .decks import DeckError, load_deck

    failed = False
    for name in args.files:
        try:
            deck = load_deck(Path(name))
        except DeckError as error:
            failed = True
            for problem in error.problems:
                print(problem)
            continue
        polls = len(deck.polls())
        print(f"{name}: ok ({len(deck.slides)} slides, {polls} polls)", file=sys.stderr)
    return 1 if failed else 0


def _export(args: argparse.Namespace) -> int:
    import json

    from .config import ConfigError, from_environment
    from .export import to_csv
    from .live import LiveError, Workshop
    from .private_redis import PrivateRedis, RedisUnavailable
    from .store import Store, connect

    started = None
    try:
        settings = from_environment()
        url = settings["REDIS_URL"]
        if not url:
            # The server's private Redis: use it if the server runs, else start it just for this export.
            private = PrivateRedis(settings["DATA_DIR"])
            if not private.answers():
                private.start()
                started = private
            url = private.url
        live = Workshop(Store(connect(url)), settings["PUBLIC_URL"], settings["MIN_RESPONSES"],
                        settings["RETENTION_DAYS"])
        document = live.results_document(args.session)
    except (ConfigError, RedisUnavailable) as error:
        print(f"workshop: {error}", file=sys.stderr)
        return 2
    except LiveError as error:
        print(f"workshop: {args.session}: {error.message}", file=sys.stderr)
        return 1
    finally:
        if started:
            started.stop()
    text = to_csv(document) if args.format == "csv" else json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8", newline="") as output:
            output.write(text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="workshop", description="Run live, anonymous group workshops.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default=os.environ.get("WORKSHOP_HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("WORKSHOP_PORT", "5000")))
    check = commands.add_parser("check-deck", help="validate deck files")
    check.add_argument("files", nargs="+")
    export = commands.add_parser("export", help="write a session's anonymised results (CSV or JSON)")
    export.add_argument("session", help="the session id (see the organiser page or GET /api/sessions)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `workshop` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        # First thing: patch before argparse's imports pull in anything that caches socket or threading.
        _patch(os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet"))
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "export":
        return _export(args)
    return _check_deck(args)


if __name__ == "__main__":
    sys.exit(main())
