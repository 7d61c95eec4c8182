"""The token bucket and the limiter, driven by a clock passed in."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.config import Settings
from app.core.ratelimit import (
    Bucket,
    Rate,
    RateLimited,
    RateLimiter,
    parse_rate,
    rates_from,
    refill,
    seconds_until_token,
)

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PER_MINUTE = Rate(3, 60)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(("text", "rate"), [
    ("30/minute", Rate(30, 60)), ("20/hour", Rate(20, 3600)), ("1/second", Rate(1, 1)),
    ("5/10minutes", Rate(5, 600)), (" 100 / day ", Rate(100, 86400)), ("2/3hours", Rate(2, 10800)),
])
def test_rates_are_written_as_a_count_per_period(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "lots", "0/minute", "5/fortnight", "5 per minute", "-1/hour", "5/minute/2",
                                  "1.5/minute"])
def test_a_rate_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_every_default_rate_parses():
    rates = rates_from(Settings())
    assert rates["login_per_username"] == Rate(10, 60) and all(r.count >= 1 for r in rates.values())


def test_a_bucket_starts_full_refills_with_time_and_never_overflows():
    fresh = refill(None, PER_MINUTE, T0)
    assert fresh == Bucket(3.0, T0)
    empty = Bucket(0.0, T0)
    assert refill(empty, PER_MINUTE, at(10)).tokens == pytest.approx(0.5)
    assert refill(empty, PER_MINUTE, at(3600)).tokens == 3.0
    assert refill(empty, PER_MINUTE, at(-30)).tokens == 0.0  # a clock set back refills nothing


def test_the_wait_is_until_one_whole_token():
    assert seconds_until_token(Bucket(1.0, T0), PER_MINUTE) == 0
    assert seconds_until_token(Bucket(0.0, T0), PER_MINUTE) == pytest.approx(20)
    assert seconds_until_token(Bucket(0.75, T0), PER_MINUTE) == pytest.approx(5)


def test_the_limiter_lets_the_count_through_then_says_how_long_to_wait():
    limiter = RateLimiter({"login": PER_MINUTE})
    assert [limiter.hit([("login", "1.2.3.4")], T0) for _ in range(3)] == [0, 0, 0]
    assert limiter.hit([("login", "1.2.3.4")], T0) == pytest.approx(20)
    assert limiter.hit([("login", "1.2.3.4")], at(15)) == pytest.approx(5)  # refusals take nothing
    assert limiter.hit([("login", "1.2.3.4")], at(20)) == 0
    assert limiter.hit([("login", "5.6.7.8")], at(20)) == 0  # keys are counted apart


def test_a_request_takes_from_every_bucket_or_from_none():
    limiter = RateLimiter({"ip": Rate(1, 60), "user": Rate(5, 60)})
    assert limiter.hit([("ip", "a"), ("user", "li")], T0) == 0
    assert limiter.hit([("ip", "a"), ("user", "li")], T0) == pytest.approx(60)  # the address is spent
    for _ in range(4):  # so the refused request took nothing from the user's bucket: four are left
        assert limiter.hit([("user", "li")], T0) == 0
    assert limiter.hit([("user", "li")], T0) == pytest.approx(12)


def test_refilled_buckets_are_forgotten_and_a_flood_of_keys_is_trimmed():
    limiter = RateLimiter({"ip": Rate(2, 60)}, max_keys=3)
    for n in range(3):
        limiter.hit([("ip", f"10.0.0.{n}")], T0)
    assert len(limiter) == 3
    limiter.hit([("ip", "10.0.0.0")], at(1))  # the oldest hit again: now the most recent
    limiter.hit([("ip", "10.0.0.9")], at(2))  # one key too many: the least recently hit goes
    assert len(limiter) == 3
    assert limiter.hit([("ip", "10.0.0.0")], at(2)) > 0  # kept, and still counting its two hits
    limiter.hit([("ip", "10.0.0.5")], at(200))  # a minute on, every full bucket is dropped
    assert len(limiter) == 1


@pytest.mark.parametrize(("wait", "header"), [(0.2, "1"), (1.0, "1"), (19.01, "20"), (3600, "3600")])
def test_retry_after_is_whole_seconds_never_zero(wait, header):
    refused = RateLimited(wait)
    assert refused.headers == {"Retry-After": header} and refused.status == 429
    assert refused.extra["retry_after"] == int(header)
