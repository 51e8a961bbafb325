"""The task worker keeps going through database trouble, and /readyz tells when no worker is
claiming work: a dead worker silently stops webhooks and scheduled-release announcements."""

import json
import sqlite3
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.core.tasks import STALLED_AFTER_SECONDS, record_poll, worker_health
from tests.servers import App, get


def _wait_until(condition, message, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def _task_workers(app):
    return json.loads(get(app.base + "/readyz")[2])["task_workers"]


@pytest.fixture
def served(tmp_path):
    app = App(tmp_path, f"sqlite:///{tmp_path / 'newsroom.sqlite3'}", workers=1)
    yield app
    app.stop()


def test_a_write_lock_longer_than_the_busy_timeout_leaves_the_worker_alive_and_working(served, tmp_path):
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        # The lock that kills a worker is SQLite's; a short busy timeout makes "longer than the
        # busy timeout" a second instead of half a minute. The worker's only: the test's own writes
        # below wait as the app's do, however long a loaded machine keeps the worker's transaction.
        worker = served.worker(stdout=log, stderr=log, env={"DATABASE_BUSY_TIMEOUT": "1"})
    try:
        _wait_until(lambda: _task_workers(served)["status"] == "ok", "the worker never polled")

        # Another writer (a long import, say) holds the write lock until the worker has failed to get it.
        holder = sqlite3.connect(tmp_path / "newsroom.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        _wait_until(lambda: "task worker cannot claim work" in log_path.read_text(), "the worker never hit the lock")
        assert "database is locked" in log_path.read_text()
        holder.execute("ROLLBACK")
        holder.close()

        task_id = served.query(
            "import json\n"
            "from newsroom.media.models import Image\n"
            "from newsroom.media.tasks import make_renditions\n"
            "print(json.dumps(str(make_renditions.enqueue(Image.objects.first().pk).id)))\n"
        )
        status = (
            f"from django_tasks_db.models import DBTaskResult\nprint(DBTaskResult.objects.get(id={task_id!r}).status)"
        )
        _wait_until(
            lambda: served.script(status).strip() == "SUCCESSFUL", "the worker did not run the task after the lock"
        )
        assert worker.poll() is None, log_path.read_text()[-2000:]
        assert "task worker is claiming work again" in log_path.read_text()
        assert _task_workers(served)["status"] == "ok"
    finally:
        worker.terminate()
        worker.wait(timeout=10)


@pytest.mark.django_db
def test_readiness_shows_a_worker_that_stopped_claiming_work():
    now = timezone.now()
    record_poll(now)
    assert worker_health(now) == {"status": "ok", "last_poll_seconds_ago": 0.0, "oldest_ready_task_seconds": None}

    # A task queued for a worker that never came (the suite itself runs tasks at once).
    DBTaskResult.objects.create(
        task_path="newsroom.media.tasks.make_renditions",
        args_kwargs={"args": [1], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=now - timedelta(seconds=STALLED_AFTER_SECONDS + 5),
    )
    later = now + timedelta(seconds=1)
    assert worker_health(later)["status"] == "stalled"  # a task has waited too long
    assert worker_health(later)["oldest_ready_task_seconds"] == STALLED_AFTER_SECONDS + 6

    DBTaskResult.objects.all().delete()
    much_later = now + timedelta(seconds=STALLED_AFTER_SECONDS + 1)
    assert worker_health(much_later)["status"] == "stalled"  # no poll for too long
