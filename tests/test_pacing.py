"""The results tick adapts to the process's load: longer while busy, back to the configured one when not."""

from __future__ import annotations

from workshop.pacing import Pacer


class Clocks:
    """A wall clock and a CPU clock the test moves by hand."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def run(self, pacer: Pacer, seconds: float, busy: float, late: float = 0.0) -> None:
        """`seconds` of ticks with the process using `busy` of a core; each wake-up `late` of a tick late."""
        elapsed = 0.0
        while elapsed < seconds:
            asked = pacer.interval
            slept = asked * (1 + late)
            self.wall += slept
            self.cpu += slept * busy
            elapsed += slept
            pacer.woke(slept, asked)


def make() -> tuple[Pacer, Clocks]:
    clocks = Clocks()
    return Pacer(0.25, longest=2.0, cpu=lambda: clocks.cpu, clock=lambda: clocks.wall), clocks


def test_an_idle_process_keeps_the_configured_tick() -> None:
    pacer, clocks = make()
    clocks.run(pacer, 10, busy=0.2)
    assert pacer.interval == 0.25


def test_a_busy_process_sends_less_often_up_to_the_longest_tick() -> None:
    pacer, clocks = make()
    clocks.run(pacer, 1.5, busy=0.95)
    assert 0.3 < pacer.interval < 0.6, "one step after one busy second"
    clocks.run(pacer, 30, busy=0.95)
    assert pacer.interval == 2.0


def test_late_wake_ups_count_as_busy_even_with_little_cpu() -> None:
    # A process starved by others on the machine (the CPU it gets is little, its timers fire late).
    pacer, clocks = make()
    clocks.run(pacer, 5, busy=0.3, late=1.0)
    assert pacer.interval > 0.25


def test_the_tick_comes_back_when_the_burst_is_over() -> None:
    pacer, clocks = make()
    clocks.run(pacer, 30, busy=1.0)
    clocks.run(pacer, 30, busy=0.1)
    assert pacer.interval == 0.25


def test_between_the_thresholds_the_tick_holds() -> None:
    pacer, clocks = make()
    clocks.run(pacer, 3, busy=1.0)
    held = pacer.interval
    clocks.run(pacer, 10, busy=0.7)
    assert pacer.interval == held > 0.25
