import pytest

from tests.factories.audit import StaffFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real PBKDF2 costs a third of a second per user; what is tested here is who gets in, not the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    """staff("manager") → a fresh staff user in the 运营管理 group."""

    def make(role: str | None = None, **kwargs):
        return StaffFactory(role=role, **kwargs)

    return make
