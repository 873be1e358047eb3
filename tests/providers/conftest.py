import pytest

from providers.models import ProviderCoverage


@pytest.fixture
def no_seeded_coverage(db):
    """The migration seeds nationwide coverage for the handbook's providers; routing tests start blank."""
    ProviderCoverage.objects.all().delete()
