"""A database of its own for tests that serve the app from separate processes: a file beside the
test on SQLite, a fresh database on the suite's PostgreSQL server when DATABASE_URL names one."""

import os

import pytest

from tests.servers import private_database


@pytest.fixture
def own_database_url(tmp_path):
    with private_database(tmp_path, f"newsroom_served_{os.getpid()}") as url:
        yield url
