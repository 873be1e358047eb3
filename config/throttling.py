"""Per-token and per-address API rate limits kept as a token bucket: two numbers per client.

DRF's stock throttles keep every request time of the window in the cache and rewrite the whole list
on each request: at the default 20,000 requests a minute that is up to 20,000 floats pickled to and
from the shared Redis cache per API call. A bucket holds ``rate`` tokens, refills continuously at
``rate`` per period, and each request takes one; the limit a client sees is the same ("N per
minute", a burst of N at most), and the cache entry stays a pair of floats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import throttling

if TYPE_CHECKING:
    # Not at run time: APIView reads the throttle classes from the settings while it is defined.
    from rest_framework.request import Request
    from rest_framework.views import APIView


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
        now = self.timer()
        capacity = float(self.num_requests)
        tokens, stamp = self.cache.get(self.key, (capacity, now))
        tokens = min(capacity, tokens + max(now - stamp, 0.0) * capacity / self.duration)
        if tokens < 1:
            self.wait_seconds = (1 - tokens) * self.duration / capacity
            self.cache.set(self.key, (tokens, now), self.duration)
            return False
        self.cache.set(self.key, (tokens - 1, now), self.duration)
        return True

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


class UserRateThrottle(TokenBucketMixin, throttling.UserRateThrottle):
    """``API_RATE_PER_TOKEN`` per authenticated client (its token's user)."""


class AnonRateThrottle(TokenBucketMixin, throttling.AnonRateThrottle):
    """``API_RATE_ANONYMOUS`` per address for requests without credentials."""
