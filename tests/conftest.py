"""Shared fixtures. App-specific fixtures live in tests/<app>/conftest.py.

The handbook catalogue is in every test database: `migrate` (and the flush after each transactional
test) loads it through the entitlements app's post_migrate handler.
"""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _catalog_present(request):
    """Safety net for a test database reused from before the catalogue was loaded on migrate."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from entitlements.catalog import catalog_load
    from entitlements.models import Service

    if not Service.objects.exists():
        catalog_load()


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process for a unit test of their effect. The Celery app reads Django
    settings once, so overriding CELERY_TASK_ALWAYS_EAGER in a test would be silently ignored."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
