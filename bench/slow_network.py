"""The phone's join page on slow networks: bytes of the first and a repeat load, and time to the first poll.

Run: `.venv/bin/python -m bench.slow_network [--runs 5] [--langs en ar]` (`--langs`: the phone's interface
languages to load, by `?lang=`; a translated page carries its messages inline). A real `workshop serve`
(eventlet) and Debian's Chromium; throttling is Chrome DevTools' presets through CDP `Network.emulateNetworkConditions`
(tests/throttled.py). Each run is a new phone (empty cache) that loads the page with a poll open, then opens
it again in a new tab (the repeat load, its cache warm).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import start_redis
from tests.servers import running_server
from tests.throttled import FAST_3G, NO_THROTTLING, SLOW_3G, Load, load, phone_context, session_with_open_poll


def seconds(loads: list[Load]) -> str:
    """Median time to the poll, and the fastest and slowest."""
    times = [load.seconds_to_poll for load in loads]
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="phones per profile (the time is their median)")
    parser.add_argument("--langs", nargs="+", default=["en"], help="interface languages (en de es fr ar)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis, redis_url = start_redis(Path(tmp))
        try:
            with running_server(redis_url, Path(tmp) / "data") as server, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                session, facilitator = session_with_open_poll(server)
                print(f"{'language':<9} {'profile':<14} {'first load':>12} {'of it WS':>9} {'repeat load':>12} "
                      f"{'to poll, first (range)':>24} {'to poll, repeat (range)':>25}")
                for lang in args.langs:
                    url = session["join_url"] + ("" if lang == "en" else f"?lang={lang}")
                    for profile in (SLOW_3G, FAST_3G, NO_THROTTLING):
                        firsts, repeats = [], []
                        for _ in range(args.runs):
                            context = phone_context(browser)
                            firsts.append(load(context, url, profile))
                            repeats.append(load(context, url, profile))
                            context.close()
                        first, repeat = firsts[-1], repeats[-1]
                        print(f"{lang:<9} {profile.name:<14} {first.total_bytes:>10,} B {first.websocket_bytes:>7,} B "
                              f"{repeat.total_bytes:>10,} B "
                              f"{seconds(firsts):>24} {seconds(repeats):>25}")
                print("\nfirst load, fetched:", *sorted(first.downloaded), sep="\n  ")
                print("repeat load, fetched:", *sorted(repeat.downloaded), "from the cache:", *sorted(repeat.cached),
                      sep="\n  ")
                facilitator.close()
                browser.close()
        finally:
            redis.kill()
            redis.wait()


if __name__ == "__main__":
    main()
