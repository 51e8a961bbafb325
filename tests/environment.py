"""Loaded by pytest before Django (`-p tests.environment` in pyproject.toml): the settings the
suite runs under, so a plain `pytest` needs no shell variables. DATABASE_URL is left alone:
the same suite runs on SQLite and on PostgreSQL."""

import atexit
import os
import shutil

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATIC_PLAIN", "1")
# Tasks run inside the request in tests, so their effects are visible at once.
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))
# The shared file cache is this process's own (not setdefault: an xdist worker inherits its
# controller's environment), so two test runs never read each other's pages or rate counts; the
# servers a test starts inherit it and so share the test's cache, as workers share one in production.
os.environ["CACHE_DIR"] = os.path.join(os.environ["VAR_DIR"], f"cache-{os.getpid()}")
atexit.register(shutil.rmtree, os.environ["CACHE_DIR"], ignore_errors=True)
