"""Per-token and per-address API rate limits kept as a token bucket: two numbers per client.

DRF's stock throttles keep every request time of the window in the cache and rewrite the whole list
on each request: at the default 20,000 requests a minute that is up to 20,000 floats pickled to and
from the shared Redis cache per API call. A bucket holds ``rate`` tokens, refills continuously at
``rate`` per period, and each request takes one; the limit a client sees is the same ("N per
minute", a burst of N at most), and the cache entry stays a pair of floats.

With the Redis cache the take is one Lua script, so concurrent requests of one client across every
web process see one bucket (a read-then-write from Python let 13 of 40 simultaneous requests through
a 10-a-minute limit). With the cache unreachable the limit fails open: the request is served and a
warning logged (docs/security.md) — these limits stop runaway integrations, and an outage of the
cache must not take intake down with it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

if TYPE_CHECKING:
    # Not at run time: APIView reads the throttle classes from the settings while it is defined.
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger("lanben.throttling")

TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or capacity
local stamp = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(now - stamp, 0) * per_second)
local allowed = 0
if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'stamp', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, string.format('%.6f', tokens)}
"""
_local_lock = threading.Lock()
_outage_logged_at = 0.0


def _log_outage(exc: Exception) -> None:
    """One warning a minute per process while the cache is down, not one per request."""
    global _outage_logged_at
    now = time.monotonic()
    if now - _outage_logged_at >= 60:
        _outage_logged_at = now
        logger.warning("rate limit cache unavailable, requests admitted without a limit: %s", exc)


def bucket_take(cache: Any, key: str, capacity: float, duration: float, now: float) -> tuple[bool, float]:
    """Take one token from the bucket at ``key`` (``capacity`` tokens refilled over ``duration``
    seconds): (taken, tokens left). Raises whatever the cache raises when it is unreachable."""
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        allowed, tokens = client.eval(
            TAKE_SCRIPT, 1, full_key, capacity, capacity / duration, f"{now:.6f}", int(duration) + 1
        )
        return bool(int(allowed)), float(tokens)
    with _local_lock:  # the per-process cache (development): atomic within the process
        tokens, stamp = cache.get(key, (capacity, now))
        tokens = min(capacity, tokens + max(now - stamp, 0.0) * capacity / duration)
        allowed = tokens >= 1
        tokens = tokens - 1 if allowed else tokens
        cache.set(key, (tokens, now), duration)
    return allowed, tokens


class TokenBucketMixin(throttling.SimpleRateThrottle):
    """Goes before a DRF rate throttle in the bases: that throttle's rate, cache key and cache, with
    the bucket in place of the request history."""

    # Parsed from ``rate`` by SimpleRateThrottle.__init__ (both None when there is no rate); the
    # stubs do not declare them.
    num_requests: int | None
    duration: int | None
    wait_seconds: float

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.num_requests is None or self.duration is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            allowed, tokens = bucket_take(self.cache, self.key, float(self.num_requests), self.duration, self.timer())
        except Exception as exc:  # any cache failure: fail open, logged
            _log_outage(exc)
            return True
        if not allowed:
            self.wait_seconds = (1 - tokens) * self.duration / float(self.num_requests)
        return allowed

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


class UserRateThrottle(TokenBucketMixin, throttling.UserRateThrottle):
    """``API_RATE_PER_TOKEN`` per authenticated client (its token's user)."""


class AnonRateThrottle(TokenBucketMixin, throttling.AnonRateThrottle):
    """``API_RATE_ANONYMOUS`` per address for requests without credentials."""
