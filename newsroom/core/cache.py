"""A Redis cache that degrades instead of failing: when Redis is down, reads are misses and
writes are dropped, so pages and the API keep answering from the database (slower, not broken).

After an error the backend stops calling Redis for ``RETRY_AFTER`` seconds (a small circuit
breaker), so a dead Redis costs one failed connection per process every few seconds instead of a
connection timeout on every cache call of every request. The breaker is per process on purpose:
it is knowledge about this process's connection, not state that must be shared.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("newsroom.cache")


class DegradingRedisCache(RedisCache):
    RETRY_AFTER = 5.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", self.RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0

    def _call(self, method, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), method)(*args, **kwargs)
        except RedisError as error:
            self._down_until = time.monotonic() + self.retry_after
            logger.warning("cache unavailable, serving without it", extra={"error": repr(error)})
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default=default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout=timeout, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version=version)

    def clear(self):
        return self._call("clear", False)

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read behaves like a missing key, as Django's contract says.
        result = self._call("incr", None, key, delta=delta, version=version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result
