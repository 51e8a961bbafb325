"""The default cache without Redis: files every process on the machine shares
(newsroom.core.cache.SharedFileCache)."""

import time

import pytest

from newsroom.core.cache import SharedFileCache


def _cache(directory, max_entries):
    return SharedFileCache(str(directory), {"OPTIONS": {"MAX_ENTRIES": max_entries, "CULL_FREQUENCY": 3}})


def test_a_full_cache_drops_entries_though_it_counts_them_only_every_so_many_writes(tmp_path):
    cache = _cache(tmp_path, max_entries=300)
    for number in range(2000):
        cache.set(f"page-{number}", f"content {number}")
    stored = len(list(tmp_path.glob("*.djcache")))
    assert stored <= 300 + SharedFileCache.CULL_CHECK_EVERY
    assert cache.get("page-1999") == "content 1999"  # the newest write is kept


def test_entries_are_shared_by_every_instance_on_the_directory(tmp_path):
    one, other = _cache(tmp_path, 100), _cache(tmp_path, 100)
    one.set("changes", 7)
    assert other.add("changes", 8) is False
    assert other.get("changes") == 7


def test_a_count_keeps_the_lifetime_it_was_given_as_in_redis(tmp_path, monkeypatch):
    cache = _cache(tmp_path, 100)
    cache.add("changes", 41, timeout=None)
    cache.add("window", 0, timeout=60)
    assert cache.incr("changes") == 42
    assert cache.incr("window", 5) == 5
    later = time.time() + 3600  # past Django's default timeout and the window's minute
    monkeypatch.setattr(time, "time", lambda: later)
    assert cache.get("changes") == 42
    assert cache.get("window") is None
    with pytest.raises(ValueError):
        cache.incr("window")
