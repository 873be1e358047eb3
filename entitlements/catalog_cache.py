"""The catalogue a submission reads — its service and its edition's rules — kept in each web
process between requests.

Product staff edit the catalogue a few times a year; every submission reads it. Each process keeps
what it read under the catalogue's generation, a number in the shared cache (Redis in production,
``CACHE_URL``) that every committed edit of a service, an edition or a rule moves: a process that
finds another generation drops what it kept, so an edit saved through one worker counts in all of
them from their next request. An edit not yet committed (or rolled back) stops the keeping in the
process that made it until a commit moves the generation.
"""

from __future__ import annotations

import contextlib
import time

from django.core.cache import cache
from django.db import transaction

from entitlements.models import EditionRule, Service
from entitlements.models.catalog import ServiceKind

GENERATION_KEY = "entitlements:catalog-generation"


class _Kept:
    generation: object = None
    suspended = False
    services: dict[str, Service] = {}
    rules: dict[tuple[int, int], list[EditionRule]] = {}


def _current() -> bool:
    """Whether what this process keeps may be used (dropped first if the generation moved)."""
    if _Kept.suspended:
        return False
    try:
        generation = cache.get(GENERATION_KEY, 0)
    except Exception:
        return False
    if generation != _Kept.generation:
        catalog_cache_clear()
        _Kept.generation = generation
    return True


def catalog_cache_clear() -> None:
    _Kept.services, _Kept.rules, _Kept.generation, _Kept.suspended = {}, {}, None, False


def intake_service(code: str) -> Service | None:
    """The requestable (non-usage) service with ``code``, or None."""
    keep = _current()
    if keep and code in _Kept.services:
        return _Kept.services[code]
    service = Service.objects.exclude(kind=ServiceKind.USAGE).filter(code=code).first()
    if keep and service is not None:
        _Kept.services[code] = service
    return service


def edition_rules(*, edition_id: int, service: Service) -> list[EditionRule]:
    """The edition's rules for one service, each with ``service`` attached."""
    keep = _current()
    key = (edition_id, service.pk)
    if keep and key in _Kept.rules:
        return _Kept.rules[key]
    rules = list(EditionRule.objects.filter(edition_id=edition_id, service=service))
    for rule in rules:
        rule.service = service
    if keep:
        _Kept.rules[key] = rules
    return rules


def _moved() -> None:
    catalog_cache_clear()
    # A cache that does not answer now: the other processes keep what they read until the next edit.
    with contextlib.suppress(Exception):
        cache.set(GENERATION_KEY, time.time_ns(), None)


def catalog_edited(**kwargs) -> None:
    """A service, edition or rule was saved or deleted: stop keeping here, move the generation on commit."""
    _Kept.services, _Kept.rules, _Kept.suspended = {}, {}, True
    transaction.on_commit(_moved, using=kwargs.get("using"))
