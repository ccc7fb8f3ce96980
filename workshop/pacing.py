"""How often one process sends results: the configured tick while it keeps up, a longer one while it is busy."""

from __future__ import annotations

import time
from collections.abc import Callable

# Above this share of one core (or with wake-ups this late), the process is behind: results wait longer.
BUSY = 0.85
# Below it, there is room again: the tick comes back towards the configured one.
IDLE = 0.5
STEP = 1.5
WINDOW_SECONDS = 1.0


class Pacer:
    """The results tick of one process, adapted to its load.

    A full room makes every results frame cost one write per phone; past some size a process cannot send
    four snapshots a second and still acknowledge answers promptly. Rather than let frames queue up behind
    each other (and acknowledgements behind them), the tick grows by half while the process is busy (its CPU
    time over the last second near a whole core, or its timer waking late) and shrinks back when it is not,
    between the configured interval and `longest`. Coalescing makes a longer tick lose nothing: the next
    snapshot holds every answer so far.
    """

    def __init__(self, interval: float, longest: float = 2.0,
                 cpu: Callable[[], float] = time.process_time, clock: Callable[[], float] = time.monotonic):
        self.shortest = interval
        self.longest = max(interval, longest)
        self.interval = interval
        self._cpu, self._clock = cpu, clock
        self._window_start, self._window_cpu = clock(), cpu()
        self._late = 0.0  # the largest lateness of a wake-up in this window, as a share of the tick

    def woke(self, slept: float, asked: float) -> None:
        """A sleep of `asked` seconds took `slept`: note how late it woke, and adapt once per window."""
        self._late = max(self._late, (slept - asked) / asked if asked > 0 else 0.0)
        now = self._clock()
        elapsed = now - self._window_start
        if elapsed < WINDOW_SECONDS:
            return
        load = max((self._cpu() - self._window_cpu) / elapsed, self._late)
        if load >= BUSY:
            self.interval = min(self.longest, self.interval * STEP)
        elif load < IDLE:
            self.interval = max(self.shortest, self.interval / STEP)
        self._window_start, self._window_cpu, self._late = now, self._cpu(), 0.0
