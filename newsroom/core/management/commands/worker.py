"""`manage.py worker`: django_tasks_db's `db_worker`, plus recovery of tasks whose worker died.

Takes the same options as `db_worker`. Besides running tasks, it puts back to READY any task
claimed longer ago than TASK_LEASE_SECONDS (see newsroom.core.tasks), at start-up and then every
quarter lease, so a job interrupted by a killed worker runs again on a live one.
"""

import threading

from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from newsroom.core.tasks import lease_seconds, requeue_stale_tasks


class Command(DbWorkerCommand):
    help = "Run the task worker, requeueing tasks abandoned by workers that died mid-job."

    def handle(self, *args, **options):
        stop = threading.Event()
        reaper = threading.Thread(target=self._reap, args=(stop,), name="requeue-stale-tasks", daemon=True)
        reaper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

    def _reap(self, stop):
        interval = max(1.0, min(60.0, lease_seconds() / 4))
        while True:
            try:
                requeue_stale_tasks()
            except DatabaseError:
                pass  # the database is away; try again next round
            finally:
                connection.close()
            if stop.wait(interval):
                return
