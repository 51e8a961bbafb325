"""The production settings plus one bench-only URL: `/bench/ceiling`, a bare view returning a
constant, which measures what this stack (gunicorn, middleware, Django) costs on this machine.
With BENCH_PAGE_CACHE_PROBE set (the newsroom day), each answer says whether the page cache gave
it (tests/bench/middleware.py)."""

import os

from newsroom.settings import *  # noqa: F403
from newsroom.settings import MIDDLEWARE

ROOT_URLCONF = "tests.bench.urls"

PAGE_CACHE_MIDDLEWARE = "newsroom.core.pagecache.PageCacheMiddleware"
if os.environ.get("BENCH_PAGE_CACHE_PROBE") and PAGE_CACHE_MIDDLEWARE in MIDDLEWARE:
    _at = MIDDLEWARE.index(PAGE_CACHE_MIDDLEWARE)
    MIDDLEWARE = [
        *MIDDLEWARE[:_at],
        "tests.bench.middleware.PageCacheProbe",
        PAGE_CACHE_MIDDLEWARE,
        "tests.bench.middleware.PastThePageCache",
        *MIDDLEWARE[_at + 1 :],
    ]
