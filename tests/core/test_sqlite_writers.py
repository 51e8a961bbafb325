"""Two writers at once on the default SQLite database queue; neither sees "database is locked"."""

import threading

import pytest
from django.db import connection, connections, transaction

from articles.models import Tag


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_both_commit():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite locking only; PostgreSQL has row locks and runs its own concurrency tests")
    inside = threading.Barrier(2, timeout=10)
    errors = []

    def writer(name):
        try:
            # Both threads are inside a write transaction's reach at the same moment: the second
            # BEGIN IMMEDIATE must wait for the first commit (busy timeout), not fail.
            inside.wait()
            with transaction.atomic():
                Tag.objects.create(name=name, slug=name)
                Tag.objects.filter(slug=name).update(name=name.upper())
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(f"writer-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(Tag.objects.filter(slug__startswith="writer-").values_list("name", flat=True)) == {
        "WRITER-0",
        "WRITER-1",
    }


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 10_000
