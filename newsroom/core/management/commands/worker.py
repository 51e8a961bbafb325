"""`manage.py worker`: django_tasks_db's `db_worker`, made to survive its database and to say
how it is doing.

Takes the same options as `db_worker`. On top of it:
- a database error (SQLite locked for longer than the busy timeout by a long write elsewhere,
  PostgreSQL restarting) never ends the worker: it is logged, the connection is dropped, and the
  worker tries again after a back-off that grows to ``MAX_BACKOFF_SECONDS``;
- every successful look for work is recorded (newsroom.core.tasks.record_poll), so /readyz shows
  a worker that has stopped claiming work;
- tasks claimed longer ago than TASK_LEASE_SECONDS are put back to READY (newsroom.core.tasks),
  at start-up and then every quarter lease, so a job interrupted by a killed worker runs again.
"""

import logging
import random
import threading
import time

from django.db import DatabaseError, close_old_connections, connection
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from newsroom.core.tasks import lease_seconds, record_poll, requeue_stale_tasks

logger = logging.getLogger("newsroom.tasks")

MAX_BACKOFF_SECONDS = 30.0


class ResilientWorker(db_worker.Worker):
    """The library's claim loop, with every database error caught around the claim (its own
    handler skips the locked ``BEGIN`` and anything but a lock) and a record of each poll."""

    def run(self):
        logger.info("task worker started", extra={"worker_id": self.worker_id, "queues": self.queue_names})
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together do not all poll at once
        failures = 0
        while self.running:
            try:
                task_result = self._claim()
            except DatabaseError as error:
                failures += 1
                backoff = min(MAX_BACKOFF_SECONDS, 0.5 * 2**failures)
                logger.error(
                    "task worker cannot claim work; retrying",
                    extra={"error": str(error), "failures": failures, "retry_in_seconds": backoff},
                )
                connection.close()
                time.sleep(backoff)
                continue
            if failures:
                logger.warning("task worker is claiming work again", extra={"failures": failures})
                failures = 0
            record_poll()
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

    def _claim(self):
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)  # so no other worker runs it
        return task_result

    def run_task(self, db_task_result):
        try:
            super().run_task(db_task_result)
        except DatabaseError as error:
            # The task ran (or failed) but its result could not be saved: it stays claimed and
            # the lease gives it to a worker again (tasks are idempotent).
            logger.error("task result not saved", extra={"task_id": str(db_task_result.id), "error": str(error)})
            connection.close()


class Command(db_worker.Command):
    help = "Run the task worker: survives database errors, reports its polls, requeues abandoned tasks."

    def handle(self, *args, **options):
        stop = threading.Event()
        reaper = threading.Thread(target=self._reap, args=(stop,), name="requeue-stale-tasks", daemon=True)
        reaper.start()
        # The library's handle() parses the options and builds its Worker by this module-level
        # name: swap ours in for the call rather than copying the option handling.
        original, db_worker.Worker = db_worker.Worker, ResilientWorker
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
            stop.set()

    def _reap(self, stop):
        interval = max(1.0, min(60.0, lease_seconds() / 4))
        while True:
            try:
                requeue_stale_tasks()
            except DatabaseError as error:
                logger.warning("cannot requeue abandoned tasks now", extra={"error": str(error)})
            finally:
                connection.close()
            if stop.wait(interval):
                return
