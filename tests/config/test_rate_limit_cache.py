"""The API rate limit against real Redis: atomic under concurrent requests, and a cache outage
degrades to no limit (logged) instead of answering 500."""

import logging
import os
import threading

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from config.throttling import UserRateThrottle

REDIS = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")


class _User:
    pk = 4242
    is_authenticated = True


def _throttle(cache, rate="10/min") -> UserRateThrottle:
    throttle = UserRateThrottle()
    throttle.cache = cache
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    return throttle


@pytest.mark.skipif(not REDIS.startswith("redis"), reason="needs Redis")
def test_forty_concurrent_requests_pass_exactly_ten_of_a_ten_a_minute_limit():
    cache = RedisCache(REDIS, {"KEY_PREFIX": f"throttle-test-{os.getpid()}"})
    request = RequestFactory().get("/api/v1/catalog")
    request.user = _User()
    cache.delete(_throttle(cache).get_cache_key(request, None))
    start = threading.Barrier(40)
    answers: list[bool] = []

    def call():
        throttle = _throttle(cache)
        start.wait()
        answers.append(throttle.allow_request(request, None))

    threads = [threading.Thread(target=call) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == 40
    assert answers.count(True) == 10
    refused = _throttle(cache)
    assert refused.allow_request(request, None) is False
    assert 0 < refused.wait() <= 6  # one request's worth of a 10-a-minute allowance


@pytest.mark.django_db
def test_with_the_cache_down_intake_is_served_and_the_outage_logged(api_client, settings, caplog):
    import config.throttling

    # Nothing listens on the private outage port: every cache call fails at once.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6392/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    config.throttling._outage_logged_at = 0.0
    from django.contrib.auth import get_user_model

    api_client.force_authenticate(get_user_model().objects.create_user("integration", is_staff=True))
    with caplog.at_level(logging.WARNING, logger="lanben.throttling"):
        answers = [api_client.get("/api/v1/catalog").status_code for _ in range(20)]

    assert answers == [200] * 20
    assert sum("rate limit cache unavailable" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.django_db
def test_with_the_cache_down_a_full_number_look_up_is_refused_with_retry_after(client, settings):
    """The look-up limit guards the customer file: it fails closed, unlike the API's rate limit."""
    from demo.story import staff_create

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6392/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client.force_login(staff_create()["intake"])
    response = client.post("/admin/entitlements/person/inquiry/", {"query": "11010519491231002X"})
    assert response.status_code == 503 and response["Retry-After"] == "30"
