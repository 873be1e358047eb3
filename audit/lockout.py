"""Login lockouts: the address-wide limit against password spraying, and the Chinese lockout page
that says how long until the next try."""

from __future__ import annotations

import math
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from audit.services import client_ip


def _window_start():
    return timezone.now() - settings.AXES_COOLOFF_TIME


def address_sprayed(request) -> bool:
    """Failures from this address across every username within the cool-off reach the limit."""
    ip = client_ip(request)
    if not ip:
        return False
    failures = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=_window_start()).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return (failures or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT


def lockout_remaining(request, username: str) -> timedelta:
    """Time until the lock lifts: the cool-off counted from the latest failure that holds it."""
    attempts = AccessAttempt.objects.filter(ip_address=client_ip(request), attempt_time__gte=_window_start())
    own = attempts.filter(username=username) if username else attempts
    latest = (own if own.exists() else attempts).aggregate(at=Max("attempt_time"))["at"]
    if latest is None:
        return settings.AXES_COOLOFF_TIME
    return max(latest + settings.AXES_COOLOFF_TIME - timezone.now(), timedelta(0))


def lockout_response(request, original_response=None, credentials=None):
    username = str((credentials or {}).get("username", ""))[:150]
    remaining = lockout_remaining(request, username)
    context = {
        "username": username,
        "minutes": max(1, math.ceil(remaining.total_seconds() / 60)),
        "until": timezone.localtime(timezone.now() + remaining),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "audit/lockout.html", context, status=429)
