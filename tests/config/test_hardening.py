"""Hardening a careful insurer expects: deploy checks, a content security policy, per-token API limits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.throttling import AnonRateThrottle, UserRateThrottle

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    # The browser tests allow async-unsafe ORM use in this process; production must not inherit that.
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DEBUG="false",
        SECRET_KEY="p" * 20 + "-production-like-secret-key-with-enough-length-and-variety-123",
        ALLOWED_HOSTS="desk.insurer.example",
        LANBEN_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_forbid_inline_script_and_foreign_frames(client):
    policy = client.get("/admin/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'self'" in policy
    assert "object-src 'none'" in policy


@pytest.mark.django_db
def test_a_token_that_floods_the_api_is_slowed_down(api_client, django_user_model, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    user = django_user_model.objects.create_user("integration", password="a-long-password-1")
    api_client.force_authenticate(user)
    answers = [api_client.get("/api/v1/catalog").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = django_user_model.objects.create_user("another-integration", password="a-long-password-2")
    api_client.force_authenticate(other)
    assert api_client.get("/api/v1/catalog").status_code == 200


@pytest.mark.django_db
def test_a_slowed_token_is_told_when_to_retry_and_gets_its_allowance_back(api_client, django_user_model, monkeypatch):
    import time_machine
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    api_client.force_authenticate(django_user_model.objects.create_user("burst", password="a-long-password-3"))
    with time_machine.travel("2026-11-25 10:00:00 +0800", tick=False) as clock:
        assert [api_client.get("/api/v1/catalog").status_code for _ in range(3)] == [200, 200, 429]
        refused = api_client.get("/api/v1/catalog")
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) == 30  # one request's worth of a 2-per-minute allowance
        clock.shift(31)
        assert api_client.get("/api/v1/catalog").status_code == 200  # refilled one, not the whole burst
        assert api_client.get("/api/v1/catalog").status_code == 429
        clock.shift(60)
        assert [api_client.get("/api/v1/catalog").status_code for _ in range(3)] == [200, 200, 429]


def test_the_bucket_kept_per_client_is_two_numbers_whatever_the_rate():
    from django.core.cache import cache
    from django.test import RequestFactory

    cache.clear()
    throttle = AnonRateThrottle()
    throttle.rate, (throttle.num_requests, throttle.duration) = "20000/min", (20000, 60)
    request = RequestFactory().get("/api/v1/catalog", REMOTE_ADDR="203.0.113.9")
    request.user = None
    for _ in range(500):
        assert throttle.allow_request(request, None)
    kept = cache.get(throttle.get_cache_key(request, None))
    assert len(kept) == 2
    assert 19_499 <= kept[0] < 19_600  # 500 taken, a few refilled while the loop ran
