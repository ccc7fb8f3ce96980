"""Join codes cannot be probed over HTTP: ended codes look unknown, and failed lookups are throttled per address."""

from __future__ import annotations

import time

import redis as redis_lib

from tests.conftest import wait_for
from workshop.throttle import SharedFailureThrottle


def test_an_ended_code_answers_exactly_like_an_unknown_one(client, started, sockets) -> None:
    facilitator = sockets("facilitator")
    assert facilitator.emit("end_session", {}, callback=True)["ok"]
    wait_for(facilitator, "session_ended")
    ended = client.get(f"/j/{started['code']}")
    unknown = client.get("/j/ZZZZZZ")
    assert ended.status_code == unknown.status_code == 404
    assert ended.data.replace(started["code"].encode(), b"CODE") == unknown.data.replace(b"ZZZZZZ", b"CODE")
    assert ended.headers.get("Cache-Control") == unknown.headers.get("Cache-Control")


def test_wrong_codes_from_one_address_are_throttled_and_others_still_join(app, client, started) -> None:
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    statuses = [client.get(f"/j/Q{n:05d}", environ_base=attacker).status_code for n in range(1000)]
    assert statuses[:30] == [404] * 30, "the first failures are answered as usual"
    assert set(statuses[30:]) == {429}, "after 30 failures in a minute every guess is refused"
    refused = client.get(f"/j/{started['code']}", environ_base=attacker)
    assert refused.status_code == 429, "a blocked address cannot test codes, not even a right one"
    assert b"Too many" in refused.data and int(refused.headers["Retry-After"]) > 0
    assert client.get(f"/j/{started['code']}", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200
    typing_client = app.test_client()
    typing_client.environ_base.update(attacker)
    typed = typing_client.get("/j?code=ZZZZZZ", follow_redirects=True)
    assert typed.status_code == 429, "the typed-code form lands on the same throttled page"


def test_successes_do_not_count_and_the_limit_lifts_after_its_window(app, client, started) -> None:
    phone = {"REMOTE_ADDR": "192.0.2.44"}
    for _ in range(100):
        assert client.get(f"/j/{started['code']}", environ_base=phone).status_code == 200
    shared = app.extensions["workshop_join_throttle"]
    # The same Redis and secret, a one-second window instead of a minute.
    app.extensions["workshop_join_throttle"] = SharedFailureThrottle(shared.client, "secret-key-for-tests",
                                                                     window=1)
    for _ in range(30):
        assert client.get("/j/ZZZZZZ", environ_base=phone).status_code == 404
    assert client.get("/j/ZZZZZZ", environ_base=phone).status_code == 429
    time.sleep(1.1)
    assert client.get(f"/j/{started['code']}", environ_base=phone).status_code == 200


def test_the_throttle_keeps_no_address(app, client, redis) -> None:
    client.get("/j/ZZZZZZ", environ_base={"REMOTE_ADDR": "203.0.113.99"})
    throttle = app.extensions["workshop_join_throttle"]
    tracked = list(throttle.tracked())
    assert tracked and all("203.0.113.99" not in key for key in tracked)
    assert "203.0.113.99" not in repr(vars(throttle))
    for key in tracked:
        assert 0 < redis.ttl(key) <= 60, "a failure is forgotten after its window"


def test_every_process_counts_the_same_failures(redis_url: str) -> None:
    # Two processes behind one balancer: the same Redis, the same secret.
    first, second = (SharedFailureThrottle(redis_lib.Redis.from_url(redis_url, decode_responses=True), "s3cret",
                                           limit=3) for _ in range(2))
    for throttle in (first, second, first):
        throttle.failed("198.51.100.77")
    assert second.retry_after("198.51.100.77") > 0
    assert first.retry_after("198.51.100.78") == 0
    other_secret = SharedFailureThrottle(first.client, "another", limit=3)
    assert other_secret.retry_after("198.51.100.77") == 0, "keyed by the server's secret"
    for key in first.tracked():
        first.client.delete(key)
