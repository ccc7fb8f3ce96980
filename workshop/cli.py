"""The `workshop` console script: monkey-patches for the async mode first, then runs the commands."""

from __future__ import annotations

import os
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `workshop` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        # First thing: click and the app import threading, which must already be green.
        _patch(os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet"))
    from .commands import cli

    try:
        cli.main(args=argv, prog_name="workshop", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
