"""`workshop serve --processes N`: N app processes behind HAProxy on one port, sharing one Redis, supervised.

The supervisor itself serves nothing. It picks a loopback port per app process, writes HAProxy's
configuration (workshop/balancer.py), starts the processes and HAProxy, restarts any that exits, and on
SIGTERM or Ctrl-C stops them all. Every app process runs `workshop serve --worker NAME` with the Redis URL
as its message queue and trusts one proxy hop (HAProxy's `X-Forwarded-For`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .balancer import Backend, haproxy_config
from .config import ConfigError, Settings, env_name_of
from .private_redis import PrivateRedis, die_with_parent

HAPROXY_HINT = ("--processes {n} puts HAProxy in front of the app processes, and no `haproxy` is on the PATH: "
                "install Debian's package `haproxy` (apt-get install haproxy), or use --processes 1")
SBIN = "/usr/local/sbin:/usr/sbin"  # where Debian puts HAProxy; an ordinary user's PATH may lack it
START_SECONDS = 30.0
STOP_SECONDS = 5.0


def raise_file_limit() -> int:
    """Raise this process's open-file limit to its hard limit (the children inherit it); return it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(address: str) -> bool:
    """Whether something accepts TCP connections at host:port."""
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Child:
    """One supervised process: how to start it, and when to start it again after it exits."""

    name: str
    command: list[str]
    env: dict[str, str]
    address: str  # where it listens once started
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = 0.0
    restart_at: float | None = None  # set while the process is down
    restarts: int = field(default=0)

    def start(self) -> None:
        """Start (or start again) the process; its output goes to ours."""
        self.process = subprocess.Popen(self.command, env=self.env, stdin=subprocess.DEVNULL,
                                        preexec_fn=die_with_parent)
        self.started = time.monotonic()
        self.restart_at = None

    def exited(self) -> int | None:
        """The exit code if the process has exited, else None."""
        return None if self.process is None else self.process.poll()

    def signal(self, number: int) -> None:
        """Send a signal if the process still runs."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(number)

    def schedule_restart(self, now: float) -> None:
        """Plan the next start: at once after a long run, later and later after quick deaths (a crash loop)."""
        quick = now - self.started < 10
        self.backoff = min(30.0, max(1.0, self.backoff * 2)) if quick else 0.0
        self.restart_at = now + self.backoff
        self.restarts += 1


class Supervisor:
    """The app processes, HAProxy and (unless WORKSHOP_REDIS_URL is set) the private Redis."""

    def __init__(self, settings: Settings, private: PrivateRedis | None, haproxy: str):
        if not settings.redis_url:
            raise ConfigError("the supervisor needs a Redis URL")
        self.settings = settings
        self.private = private
        self.directory = settings.data_dir / "balancer"
        self.address_key = settings.address_key or secrets.token_hex(32)
        self.backends = [Backend(f"p{index}", f"127.0.0.1:{free_loopback_port()}")
                         for index in range(1, settings.processes + 1)]
        self.apps = [self._app(backend) for backend in self.backends]
        config = self.directory / "haproxy.cfg"
        self.balancer = Child("haproxy", [haproxy, "-db", "-f", str(config)], dict(os.environ), self._reachable)
        self._stopping = False

    @classmethod
    def haproxy_binary(cls, processes: int) -> str:
        """HAProxy from the PATH, or ConfigError naming the package to install."""
        found = shutil.which("haproxy") or shutil.which("haproxy", path=SBIN)
        if not found:
            raise ConfigError(HAPROXY_HINT.format(n=processes))
        return found

    def _app(self, backend: Backend) -> Child:
        settings = self.settings
        env = dict(os.environ)
        env.update({
            env_name_of("redis_url"): settings.redis_url or "",
            env_name_of("message_queue"): settings.message_queue or settings.redis_url or "",
            env_name_of("public_url"): settings.public_url or "",
            env_name_of("data_dir"): str(settings.data_dir),
            # HAProxy adds one hop to whatever trusted proxies stand in front of it.
            env_name_of("proxy_hops"): str(settings.proxy_hops + 1),
            env_name_of("processes"): "1",
            # One key for all processes (they count joins per address together), in memory only.
            env_name_of("address_key"): self.address_key,
        })
        host, port = backend.address.rsplit(":", 1)
        command = [sys.executable, "-m", "workshop.cli", "serve", "--worker", backend.name,
                   "--host", host, "--port", port]
        return Child(backend.name, command, env, backend.address)

    @property
    def bind(self) -> str:
        """Where HAProxy listens: the address and port clients use."""
        host = self.settings.host
        return f"[{host}]:{self.settings.port}" if ":" in host else f"{host}:{self.settings.port}"

    def start(self) -> None:
        """Write HAProxy's configuration, start the app processes, then HAProxy; wait until all listen."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        # HAProxy holds two descriptors per client (the client's and the process's side).
        files = raise_file_limit()
        maxconn = max(64, min(self.settings.max_connections * len(self.backends), (files - 100) // 2))
        (self.directory / "haproxy.cfg").write_text(
            haproxy_config(self.settings, self.bind, self.backends, maxconn=maxconn))
        for child in self.apps:
            child.start()
        self._wait_listening(self.apps)
        self.balancer.start()
        self._wait_listening([self.balancer])

    @property
    def _reachable(self) -> str:
        """HAProxy's address as a client on this machine reaches it."""
        host = self.settings.host
        host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
        return f"{host}:{self.settings.port}"

    @staticmethod
    def _wait_listening(children: list[Child]) -> None:
        deadline = time.monotonic() + START_SECONDS
        waiting = list(children)
        while waiting:
            for child in list(waiting):
                code = child.exited()
                if code is not None:
                    raise ConfigError(f"{child.name} exited at start (code {code}); see the lines above")
                if listening(child.address):
                    waiting.remove(child)
            if waiting and time.monotonic() > deadline:
                raise ConfigError(f"{', '.join(child.name for child in waiting)} did not listen within "
                                  f"{START_SECONDS:.0f} s")
            time.sleep(0.1)

    def run(self, sleep: Callable[[float], object] = time.sleep) -> None:
        """Restart whatever exits, until stop()."""
        while not self._stopping:
            sleep(0.5)
            now = time.monotonic()
            for child in [*self.apps, self.balancer]:
                if self._stopping:
                    break
                code = child.exited()
                if code is None:
                    continue
                if child.restart_at is None:
                    child.schedule_restart(now)
                    print(f"workshop: {child.name} exited (code {code}); restarting it"
                          + (f" in {child.backoff:.0f} s" if child.backoff else ""), file=sys.stderr)
                if child.restart_at is not None and now >= child.restart_at:
                    child.start()
            if self.private is not None and not self._stopping:
                self.private.restart_if_exited()

    def stop(self) -> None:
        """Stop everything: SIGTERM first, SIGKILL after a few seconds for what is still running."""
        self._stopping = True
        for child in [self.balancer, *self.apps]:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in [self.balancer, *self.apps]:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.signal(signal.SIGKILL)
        if self.private is not None:
            self.private.stop()

    def request_stop(self, *_: object) -> None:
        """The signal handler: leave the loop; `stop` runs after it."""
        self._stopping = True
