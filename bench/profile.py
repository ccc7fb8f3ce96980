"""py-spy during the burst: record the app processes, then say where their time went (top functions).

    .venv/bin/python -m bench.profile DIR/ours1-2000-1234.txt    # summarise a recorded profile again
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

LOCATION = re.compile(r" \((?P<file>[^()]*?):\d+\)$")  # py-spy's frame: "function (path/file.py:LINE)"
# Where a sample's time belongs: the first rule whose function (file.py:name, a substring) is on its stack.
KINDS = (
    ("Flask request context per event: URL match", "RequestContext.match_request"),
    ("Flask request context per event: session cookie", "open_session"),
    ("Flask request context per event: the rest", "RequestContext."),
    ("answer stored: Redis script round trip", "Store.submit_answer"),
    ("rest of the submit_answer handler", "on_submit_answer"),
    ("Socket.IO dispatch and acknowledgements", "_handle_event_internal"),
    ("WebSocket frames in: read, unmask, decode, spawn", "WSGIApp.__call__"),
    ("results tick: broadcaster", "ResultsBroadcaster."),
    ("frames out: writer green threads", "_websocket_handler.<locals>.writer"),
    ("Redis pub/sub (message queue)", "pubsub"),
    ("eventlet hub: timers, polling", "BaseHub.run"),
)


def record(pids: list[int], directory: Path, label: str) -> list[subprocess.Popen[bytes]]:
    """Start py-spy on each process (collapsed stacks, 200 samples a second); stopped by stop()."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen([binary, "record", "--pid", str(pid), "--rate", "200", "--format", "raw",
                              "--output", str(directory / f"{label}-{pid}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in pids]


def stop(spies: list[subprocess.Popen[bytes]]) -> None:
    """Stop the recorders (on SIGINT py-spy writes its file) and print each one's summary."""
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(timeout=60)
        output = Path(spy.args[spy.args.index("--output") + 1])  # type: ignore[index, union-attr]
        if output.exists():
            print(f"\n{output}\n{summary(output)}", file=sys.stderr)


def function(frame: str) -> str:
    """A frame as `file.py:function`, without its line (so a function's lines add up)."""
    match = LOCATION.search(frame)
    if not match:
        return frame
    return f"{Path(match['file']).name}:{frame[:match.start()]}"


def summary(path: Path, top: int = 15) -> str:
    """The functions that took the most samples, on-CPU itself (self) and anywhere on the stack (total), and the
    samples by kind of work (KINDS)."""
    own: Counter[str] = Counter()
    within: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [function(frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        for name in set(frames):
            within[name] += int(count)
        kinds[next((kind for kind, part in KINDS if any(part in frame for frame in frames)), "other")] += int(count)
    if not samples:
        return "no samples"
    lines = [f"{samples} samples", "self %  function"]
    lines += [f"{100 * count / samples:6.1f}  {name}" for name, count in own.most_common(top)]
    lines += ["total %  function"]
    lines += [f"{100 * count / samples:7.1f}  {name}" for name, count in within.most_common(top)]
    lines += ["kind %  where", *(f"{100 * count / samples:6.1f}  {name}" for name, count in kinds.most_common())]
    return "\n".join(lines)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(f"{argument}\n{summary(Path(argument))}\n")
