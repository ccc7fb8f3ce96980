"""Writes deploy/haproxy/haproxy.cfg, the load balancer of compose.yaml, from the app's settings there.

    .venv/bin/python deploy/render.py           # rewrite it after changing compose.yaml or workshop/balancer.py
    .venv/bin/python deploy/render.py --check   # exit 1 when the committed file is out of date

The settings are the app service's environment in compose.yaml, with compose's `${...}` filled in from
.env.example (never from a real .env: the output must not depend on whose machine renders it, and must not
carry anyone's secrets). HAProxy finds the app replicas through Docker's DNS.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

from workshop.balancer import Discovered, haproxy_config
from workshop.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
OUTPUT = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
COMMAND = ".venv/bin/python deploy/render.py"
SERVICE = "app"  # the compose service HAProxy resolves
SLOTS = 8  # at most this many app replicas are balanced; raise it to run more
RESOLVER = "127.0.0.11:53"  # Docker's embedded DNS, in every container on a user-defined network

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $.
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """`text` with compose's variable syntax filled in from `variables`; ValueError for a required one unset."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        value = variables.get(name)
        unset = value is None or (value == "" and op is not None and op.startswith(":"))
        if not unset:
            return value or ""
        if op in (":?", "?"):
            raise ValueError(f"{name} is required: {arg}")
        return arg if op in (":-", "-") else ""

    return _VARIABLE.sub(substitute, text)


def env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines of a compose .env file; blank lines and `#` comments skipped."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def compose_environment(service: str = SERVICE) -> dict[str, str]:
    """A compose service's environment as its containers get it, with .env.example's values."""
    environment = yaml.safe_load(COMPOSE.read_text())["services"][service]["environment"]
    variables = env_file(ENV_EXAMPLE)
    return {name: interpolate(str(value), variables) for name, value in environment.items()}


def balancer_settings() -> Settings:
    """The settings HAProxy's configuration is derived from: the app's, less the hop HAProxy itself is.

    The app trusts WORKSHOP_PROXY_HOPS proxies, HAProxy included; `haproxy_config` wants the ones in front of
    HAProxy (as `serve --processes` gives its processes one more than it was given).
    """
    app = Settings.load(environ=compose_environment())
    if app.proxy_hops < 1:
        raise ValueError("compose.yaml: the app must trust the balancer's hop (WORKSHOP_PROXY_HOPS at least 1)")
    return dataclasses.replace(app, proxy_hops=app.proxy_hops - 1)


def render() -> str:
    """HAProxy's configuration for compose's app service (it takes one process's WORKSHOP_MAX_CONNECTIONS in
    all: balancer.py's default)."""
    settings = balancer_settings()
    return haproxy_config(settings, f"*:{settings.port}", Discovered(SERVICE, settings.port, SLOTS, RESOLVER))


def main(argv: list[str]) -> int:
    """Rewrite the file, or with --check only compare it."""
    text = render()
    if argv == ["--check"]:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
