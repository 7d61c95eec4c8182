"""Rate limits on the doors strangers can knock on: login, registration, residents' reports, Open311.

A token bucket per key (client IP, username, user, API key): it holds up to `count` tokens, refills
`count` per `period`, and each request takes one. A refused request takes nothing and is told, in
`Retry-After`, when the next token arrives. The bucket arithmetic is a pure function of (bucket, rate,
now) with the clock injected, so tests travel in time instead of sleeping.

Where the buckets live: on PostgreSQL in the database (`rate_buckets`, app/core/shared.py), read and written
under a row lock in a short transaction of their own, so `serve --workers N` and replicas share one count and
two workers never double an allowance; on SQLite (one process) in this process's memory. `rate_limit_store`
overrides the choice. Why not the `limits`/slowapi libraries: their storage reads the wall clock inside, so the
injected clock cannot drive them, and slowapi renders its own error bodies where we need problem+json and
Open311's error document; the bucket below is thirty lines.

Client addresses come from `request.client`: behind a reverse proxy, run uvicorn with proxy headers
trusted for that proxy only (`FORWARDED_ALLOW_IPS`), or every client shares the proxy's address.
"""

import contextlib
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import shared
from app.core.auth import CurrentUser
from app.core.config import Settings
from app.core.errors import AppError, problem
from app.core.forms import is_url_encoded, utf8_form
from app.core.roles import Role
from app.core.security import normalise_mobile

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*")


@dataclass(frozen=True)
class Rate:
    count: int
    period_seconds: float


def parse_rate(text: str) -> Rate:
    """`30/minute`, `20/hour`, `5/10minutes`: a count per period."""
    match = _RATE.fullmatch(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"a rate is like '30/minute' or '5/10minutes', not {text!r}")
    return Rate(int(match.group(1)), int(match.group(2) or 1) * _UNITS[match.group(3)])


@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: datetime


def refill(bucket: Bucket | None, rate: Rate, now: datetime) -> Bucket:
    if bucket is None:
        return Bucket(float(rate.count), now)
    elapsed = max(0.0, (now - bucket.at).total_seconds())  # a clock set back refills nothing
    return Bucket(min(float(rate.count), bucket.tokens + elapsed * rate.count / rate.period_seconds), now)


def seconds_until_token(bucket: Bucket, rate: Rate) -> float:
    """0 when a request may pass now."""
    return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) * rate.period_seconds / rate.count


class RateLimiter:
    """Buckets by key, kept in insertion order of their last hit so the idlest go first when trimmed."""

    def __init__(self, rates: dict[str, Rate], max_keys: int = 100_000):
        self.rates = rates
        self.max_keys = max_keys
        self._buckets: dict[str, Bucket] = {}
        self._pruned_at: datetime | None = None

    def hit(self, keys: list[tuple[str, str]], now: datetime) -> float:
        """Takes a token from each (rule, key) bucket, or from none: returns 0, or the seconds to wait.

        Synchronous, so within one event loop no other request can interleave between check and take."""
        filled = {(rule, key): refill(self._buckets.get(f"{rule}:{key}"), self.rates[rule], now)
                  for rule, key in keys}
        wait = max((seconds_until_token(b, self.rates[rule]) for (rule, _), b in filled.items()), default=0.0)
        if wait > 0:
            return wait
        for (rule, key), bucket in filled.items():
            self._buckets.pop(f"{rule}:{key}", None)
            self._buckets[f"{rule}:{key}"] = Bucket(bucket.tokens - 1, now)
        self._prune(now)
        return 0.0

    def _prune(self, now: datetime) -> None:
        """Forgets buckets that have filled up again (the same as no bucket); under a flood of distinct keys,
        also the least recently hit, which lets those clients start afresh rather than exhausting memory."""
        if self._pruned_at is not None and (now - self._pruned_at).total_seconds() < 60 \
                and len(self._buckets) <= self.max_keys:
            return
        self._pruned_at = now
        for name, bucket in list(self._buckets.items()):
            rate = self.rates[name.split(":", 1)[0]]
            if refill(bucket, rate, now).tokens >= rate.count:
                del self._buckets[name]
        for name in list(self._buckets)[: max(0, len(self._buckets) - self.max_keys)]:
            del self._buckets[name]

    def __len__(self) -> int:
        return len(self._buckets)


class SharedRateLimiter:
    """The same buckets, kept in the database so that every process of a deployment counts against them."""

    def __init__(self, rates: dict[str, Rate]):
        self.rates = rates
        self._pruned_at: datetime | None = None

    async def hit(self, engine: AsyncEngine, keys: list[tuple[str, str]], now: datetime) -> float:
        rules = {f"{rule}:{key}": self.rates[rule] for rule, key in keys}

        def decide(stored: dict[str, tuple[float, datetime] | None]) -> tuple[float, dict[str, float]]:
            filled = {name: refill(Bucket(*row) if row else None, rules[name], now) for name, row in stored.items()}
            wait = max((seconds_until_token(b, rules[n]) for n, b in filled.items()), default=0.0)
            return wait, {n: b.tokens - 1 for n, b in filled.items()}

        wait = await shared.take_tokens(engine, list(rules), {n: float(r.count) for n, r in rules.items()}, decide,
                                        now)
        if self._pruned_at is None or (now - self._pruned_at).total_seconds() >= 300:
            self._pruned_at = now
            longest = max(r.period_seconds for r in self.rates.values())
            await shared.forget_full_buckets(engine, shared.bucket_cutoff(now, longest))
        return wait


RULES = ("login_per_ip", "login_per_username", "register_per_ip", "report_per_user", "open311_per_ip",
         "open311_per_key")


def rates_from(settings: Settings) -> dict[str, Rate]:
    return {rule: parse_rate(getattr(settings, f"rate_limit_{rule}")) for rule in RULES}


# The Open311 error document's renderer, (format, status, description) -> Response, as app/open311/render.error.
SpecError = Callable[[str, int, str], Response]


class RateLimited(AppError):
    def __init__(self, wait_seconds: float, spec_error: SpecError | None = None):
        retry_after = max(1, math.ceil(wait_seconds))
        super().__init__("rate_limited", 429, headers={"Retry-After": str(retry_after)}, retry_after=retry_after,
                         extra={"retry_after": retry_after})
        self.retry_after = retry_after
        self.spec_error = spec_error


def install_rate_limits(app: FastAPI, settings: Settings) -> None:
    """Parses the rates now, so a mistyped setting stops the start rather than the first login."""
    rates = rates_from(settings)
    store = settings.rate_limit_store
    if store not in ("auto", "memory", "database"):
        raise ValueError(f"rate_limit_store is auto, memory or database, not {store!r}")
    shared_store = store == "database" or (store == "auto" and not settings.is_sqlite)
    app.state.rate_limiter = SharedRateLimiter(rates) if shared_store else RateLimiter(rates)

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        if exc.spec_error is None:
            return problem(request, 429, exc.code, params=exc.params, extra=exc.extra, headers=exc.headers)
        fmt = request.path_params.get("fmt")
        response = exc.spec_error(fmt if fmt in ("json", "xml") else "json", 429,
                                  f"too many requests; retry after {exc.retry_after} seconds")
        response.headers.update(exc.headers or {})
        return response


async def _check(request: Request, keys: list[tuple[str, str]], spec_error: SpecError | None = None) -> None:
    state = request.app.state
    if not state.settings.rate_limits_enabled:
        return
    limiter = state.rate_limiter
    if isinstance(limiter, SharedRateLimiter):
        wait = await limiter.hit(state.engine, keys, state.clock.now())
    else:
        wait = limiter.hit(keys, state.clock.now())
    if wait > 0:
        raise RateLimited(wait, spec_error)


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _digest(secret: str) -> str:
    """Keys are kept in memory as a digest: a dump of the process shows no API key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:32]


async def limit_login(request: Request) -> None:
    """Per address (one client guessing many accounts) and per username (many clients guessing one)."""
    username = (await request.form()).get("username")
    keys = [("login_per_ip", _ip(request))]
    if isinstance(username, str) and username.strip():
        keys.append(("login_per_username", normalise_mobile(username) or username.strip().lower()[:64]))
    await _check(request, keys)


async def limit_registration(request: Request) -> None:
    await _check(request, [("register_per_ip", _ip(request))])


async def limit_reports(request: Request, principal: CurrentUser) -> None:
    """A resident's reports, per account (many residents share a carrier's address). Staff logging calls
    are not limited: the hotline's busiest hour is not an attack."""
    if principal.role == Role.resident:
        await _check(request, [("report_per_user", str(principal.user_id))])


def limit_open311(spec_error: SpecError) -> Callable[[Request], object]:
    """Per address and per api_key; a refusal is Open311's own error document, rendered by `spec_error`."""

    async def dependency(request: Request) -> None:
        params = dict(request.query_params)
        # A multipart body (a photo in `media`) is left to its endpoint, which streams it to disk: it is not read
        # here, so its api_key counts only when it is in the query.
        if request.method == "POST" and is_url_encoded(request):
            with contextlib.suppress(UnicodeDecodeError):  # the endpoint refuses it; the address still counts
                params.update(await utf8_form(request))
        keys = [("open311_per_ip", _ip(request))]
        if params.get("api_key"):
            keys.append(("open311_per_key", _digest(params["api_key"])))
        await _check(request, keys, spec_error)

    return dependency

