import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo logins hash three passwords; PBKDF2 at full strength costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Public pages are cached per URL; each test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tundra(demo):
    return demo["vehicles"]["tundra"]
