"""Per-token and per-address API rate limits kept as a token bucket: two numbers per client.

DRF's stock throttles keep every request time of the window in the cache and rewrite the whole list
on each request: at the default 20,000 requests a minute that is up to 20,000 floats pickled to and
from the shared Redis cache per API call. A bucket holds ``rate`` tokens, refills continuously at
``rate`` per period, and each request takes one; the limit a client sees is the same ("N per
minute", a burst of N at most), and the cache entry stays a pair of floats.
"""

from rest_framework import throttling


class TokenBucketMixin:
    def allow_request(self, request, view) -> bool:
        if self.rate is None:
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
