"""Process accounting from /proc: CPU seconds, resident memory, process trees, and a CPU sampler thread."""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
MACHINE = 0  # the pid that stands for every process on the machine


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 once it is gone); pid 0: the whole machine's busy time."""
    if pid == MACHINE:
        # user, nice, system, (idle, iowait skipped), irq, softirq, steal: time no one else could use.
        ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return (sum(ticks[:3]) + sum(ticks[5:8])) / TICKS
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


def sockets(pid: int) -> int:
    """Open sockets of a process (0 once it is gone): how the balancer spread the phones."""
    try:
        return sum(os.readlink(fd).startswith("socket:") for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return 0


def command_name(pid: int) -> str:
    """The kernel's short name of a process ('' once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def tree(root: int) -> list[int]:
    """A process and all its descendants, alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


class CpuSampler:
    """Samples the CPU seconds of a fixed set of processes every few milliseconds, so any window can be
    measured afterwards (the burst's end is only known once it has passed)."""

    def __init__(self, pids: list[int], interval: float = 0.02):
        self.pids = pids
        self.interval = interval
        self.times: list[float] = []
        self.samples: list[dict[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.times.append(time.monotonic())
            self.samples.append({pid: cpu_seconds(pid) for pid in self.pids})
            self._stop.wait(self.interval)

    def _at(self, moment: float) -> dict[int, float]:
        index = min(bisect_left(self.times, moment), len(self.times) - 1)
        return self.samples[index]

    def used(self, start: float, end: float) -> dict[int, float]:
        """CPU seconds each process used between two monotonic times (to the sampling interval)."""
        before, after = self._at(start), self._at(end)
        return {pid: after[pid] - before[pid] for pid in self.pids}
