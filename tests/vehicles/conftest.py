import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Public pages are cached per URL; each test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def toyotas(db):
    """The demo's vehicle records only (no articles, images or logins): quicker than `demo`."""
    from demo.toyotas import load_toyota_japan

    return load_toyota_japan()


@pytest.fixture
def tundra(toyotas):
    return toyotas["tundra"]
