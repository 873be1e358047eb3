"""Shared fixtures. App-specific fixtures live in tests/<app>/conftest.py."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def catalog(request):
    """The handbook catalogue for every database test, loaded whenever the table is empty
    (transactional tests flush the database after themselves)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from entitlements.catalog import catalog_load
    from entitlements.models import Service

    if not Service.objects.exists():
        catalog_load()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
