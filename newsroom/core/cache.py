"""The two cache backends: files that every process on one machine shares (the default), and
Redis for several machines, degrading instead of failing.

``SharedFileCache``: with no ``REDIS_URL``, the page cache, what decides that a cached page is
stale, and the API's rate-limit counters must still be the same for every gunicorn worker, the
task worker and management commands, or a withdrawal made in one process leaves the story in
the others' memory. Django's file cache is shared; this adds a machine-wide lock around the
read-modify-write operations (``add``, ``incr``) so that two processes counting at once never
lose a count. It also counts its entries (to drop some when full) only every so many writes,
not at every write as Django's does.

``DegradingRedisCache``: when Redis is down, reads are misses and writes are dropped, so pages
and the API keep answering from the database (slower, not broken).

After an error the backend stops calling Redis for ``RETRY_AFTER`` seconds (a small circuit
breaker), so a dead Redis costs one failed connection per process every few seconds instead of a
connection timeout on every cache call of every request. The breaker is per process on purpose:
it is knowledge about this process's connection, not state that must be shared.
"""

import contextlib
import functools
import logging
import os
import pickle
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.core.files import locks
from redis.exceptions import RedisError

logger = logging.getLogger("newsroom.cache")


class SharedFileCache(FileBasedCache):
    LOCK_FILE = ".lock"
    # Django's file cache lists its whole directory at every write to see whether it is full:
    # with a few thousand pages stored that took 10-20 ms, and a page-cache miss writes two or
    # three entries (the page, its keys' versions), so storing a page cost ten times rendering it.
    # Counted every this many writes of each process instead (the first included): the cache may
    # pass MAX_ENTRIES by that many entries per process before a third of it is dropped.
    CULL_CHECK_EVERY = 100

    # Pages are written once per miss, on the reader's time, and read many times: zlib's fastest
    # level compresses a page in well under half the default level's time, for some 10% more bytes.
    COMPRESSION_LEVEL = 1
    # File names each process remembers (see ``_key_to_file``): every hot key (the page cache's
    # counter, the pages most read, the rate-limit counts) several times over.
    FILE_NAMES = 4096

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._file_names = functools.lru_cache(maxsize=self.FILE_NAMES)(super()._key_to_file)

    def _key_to_file(self, key, version=None):
        """Django's, remembered: checking a key's characters and hashing it cost a quarter of
        reading a small entry, and every page-cache hit reads the counter of changes."""
        return self._file_names(key, version)

    def _write_content(self, file, timeout, value):
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), self.COMPRESSION_LEVEL))

    def _cull(self):
        self._writes = getattr(self, "_writes", 0) + 1
        if self._writes % self.CULL_CHECK_EVERY == 1:
            super()._cull()

    @contextlib.contextmanager
    def _exclusive(self):
        self._createdir()
        with open(os.path.join(self._dir, self.LOCK_FILE), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        """As Redis's INCR: the count keeps the lifetime it was given (Django's file cache would
        give it the default timeout at each increment, so a counter added to last forever, such as
        the page cache's number of changes, would expire and start again)."""
        with self._exclusive():
            try:
                with open(self._key_to_file(key, version), "rb") as f:
                    # The cache's own files, read as Django's file cache reads them.
                    expiry = pickle.load(f)  # noqa: S301
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                value = expiry = None
            left = None if expiry is None else expiry - time.time()
            if value is None or (left is not None and left <= 0):
                raise ValueError(f"Key '{key}' not found")
            self.set(key, value + delta, timeout=left, version=version)
            return value + delta


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
