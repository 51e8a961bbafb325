"""The production settings plus one bench-only URL: `/bench/ceiling`, a bare view returning a
constant, which measures what this stack (gunicorn, middleware, Django) costs on this machine."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
