import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Public pages are cached per URL; each test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tundra(demo):
    return demo["vehicles"]["tundra"]
