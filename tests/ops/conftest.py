"""A database of its own for tests that serve the app from separate processes: a file beside the
test on SQLite, a fresh database on the suite's PostgreSQL server when DATABASE_URL names one."""

import os
import urllib.parse

import pytest


@pytest.fixture
def own_database_url(tmp_path):
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'newsroom.sqlite3'}"
        return
    import psycopg

    name = f"newsroom_served_{os.getpid()}"
    server = urllib.parse.urlsplit(suite_url)
    maintenance = server._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server._replace(path=f"/{name}").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
