"""Looking a customer up by a full ID number or phone: only roles that may reveal, each look-up
audited (the number masked) and limited per user — a phone number fell to 1,668 searches in 18 s.

The limit fails closed: with the cache unreachable a look-up answers 503 with Retry-After, unlike
the API's general rate limit (which fails open): this one is what stands between a curious account
and the whole customer file.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from config.throttling import bucket_take

logger = logging.getLogger("lanben.lookups")
RETRY_AFTER_SECONDS = 30


class LookupLimited(Exception):
    def __init__(self, message: str, retry_after: int, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.message, self.retry_after, self.unavailable = message, retry_after, unavailable


def mask_identifier(term: str) -> str:
    """A searched term as the audit trail keeps it: an identifier's first 3 and last 2 characters."""
    term = (term or "").strip()
    if len(term) < 7:
        return term
    return f"{term[:3]}{'*' * (len(term) - 5)}{term[-2:]}"


def identifier_lookup_take(*, user) -> None:
    """One look-up of the user's IDENTIFIER_LOOKUPS_PER_MINUTE; raises LookupLimited when spent
    (429-like, with the wait) or when the limit cannot be checked (503-like)."""
    per_minute = settings.IDENTIFIER_LOOKUPS_PER_MINUTE
    try:
        allowed, tokens = bucket_take(cache, f"lookups:{user.pk}", float(per_minute), 60.0, time.time())
    except Exception as exc:  # the cache is down: refuse rather than look up unchecked
        logger.warning("identifier look-up limit unavailable, look-up refused: %s", exc)
        raise LookupLimited("查询限流服务暂不可用，请稍后重试", RETRY_AFTER_SECONDS, unavailable=True) from exc
    if not allowed:
        wait = max(1, int((1 - tokens) * 60 / per_minute) + 1)
        raise LookupLimited(f"查询过于频繁：每分钟最多 {per_minute} 次，请 {wait} 秒后再试", wait)
