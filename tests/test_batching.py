"""Script calls made together travel together, and each still gets its own result or error."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import pytest
import redis as redis_lib

from workshop.batching import ScriptBatcher

# INCRBY a key and return the new value; refuse a negative step with the script's own error.
ADD = """
if tonumber(ARGV[1]) < 0 then return redis.error_reply('negative step') end
return redis.call('INCRBY', KEYS[1], ARGV[1])
"""


def together(count: int, work: Any) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; their results (or exceptions) in order."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # the test compares errors too
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def counted_pipelines(client: redis_lib.Redis) -> list[int]:
    """Count the pipelines the client opens (one per round trip of a batch)."""
    opened = [0]
    original = client.pipeline

    def pipeline(*args: Any, **kwargs: Any) -> Any:
        opened[0] += 1
        return original(*args, **kwargs)

    client.pipeline = pipeline  # type: ignore[method-assign]
    return opened


def test_calls_made_together_share_round_trips_and_each_gets_its_own_result(redis_url: str) -> None:
    client = redis_lib.Redis.from_url(redis_url, max_connections=100)
    script = client.register_script(ADD)
    batcher = ScriptBatcher(client)
    key = f"test:batch:{secrets.token_hex(4)}"
    opened = counted_pipelines(client)
    results = together(60, lambda index: batcher.call(script, [key], [1]))
    assert sorted(results) == list(range(1, 61)), "every call ran once, atomically, and got its own value"
    assert int(client.get(key) or 0) == 60
    assert 1 <= opened[0] < 30, f"60 calls at once took {opened[0]} pipelines"


def test_one_calls_error_is_its_own(redis_url: str) -> None:
    client = redis_lib.Redis.from_url(redis_url)
    script = client.register_script(ADD)
    batcher = ScriptBatcher(client)
    key = f"test:batch:{secrets.token_hex(4)}"
    results = together(20, lambda index: batcher.call(script, [key], [-1 if index == 7 else 1]))
    assert isinstance(results[7], redis_lib.ResponseError) and "negative step" in str(results[7])
    assert sorted(value for index, value in enumerate(results) if index != 7) == list(range(1, 20))
    assert batcher.call(script, [key], [1]) == 20


def test_a_lost_connection_fails_the_calls_it_carried_and_the_next_call_works(redis_url: str) -> None:
    client = redis_lib.Redis.from_url(redis_url)
    script = client.register_script(ADD)
    batcher = ScriptBatcher(redis_lib.Redis.from_url("unix:///nonexistent/redis.sock"))
    with pytest.raises(redis_lib.ConnectionError):
        batcher.call(script, ["test:batch:never"], [1])
    failed = together(10, lambda index: batcher.call(script, ["test:batch:never"], [1]))
    assert all(isinstance(result, redis_lib.ConnectionError) for result in failed), failed
    batcher.client = client  # Redis is back
    key = f"test:batch:{secrets.token_hex(4)}"
    assert batcher.call(script, [key], [5]) == 5
