import pytest


@pytest.fixture(autouse=True)
def _fresh_operations_state(settings):
    """Each test reads the product snapshot and the migration state afresh."""
    from django.core.cache import cache

    from ops.health import migrated_forget
    from ops.metrics import SNAPSHOT_KEY

    cache.delete(SNAPSHOT_KEY)
    migrated_forget()
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    yield
    cache.delete(SNAPSHOT_KEY)
    migrated_forget()
