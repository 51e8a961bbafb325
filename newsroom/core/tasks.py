"""Recovering tasks from a worker that died mid-job, retrying a task that failed, and telling
whether workers are claiming work.

django_tasks_db marks a task RUNNING when a worker claims it and only the same worker ever
finishes it; a worker killed by the OOM killer, a deploy or a lost machine leaves its task
RUNNING for ever. A claim is therefore a lease: a task RUNNING for longer than
``TASK_LEASE_SECONDS`` is put back to READY and another worker runs it again. Tasks must be
idempotent (webhook deliveries are keyed by their webhook-id; state changes are checked before
they are made), so a task that was in fact still running and runs twice does no harm.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Min, When
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from newsroom.core.models import PendingRun

logger = logging.getLogger("newsroom.tasks")


def lease_seconds():
    return getattr(settings, "TASK_LEASE_SECONDS", 600)


def requeue_stale_tasks(now=None):
    """Put back to READY every task claimed longer ago than the lease. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=lease_seconds())
    count = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY, started_at=None
    )
    if count:
        logger.warning("requeued tasks abandoned by a dead worker", extra={"count": count})
    return count


# After a task's first failed attempt, how long to wait before each next one (django_tasks_db
# itself never runs a failed task again): a storage or database outage of up to an hour or so is
# ridden out, and a task that keeps failing ends as FAILED with each attempt's traceback recorded.
RETRY_DELAYS_SECONDS = (10, 60, 300, 1800)


def retry_later(a_task, *args, attempt):
    """Queue ``a_task(*args, attempt=attempt + 1)`` after the delay for this ``attempt`` (counted
    from 1); the failing run then raises, so it is recorded as failed. Returns False, queuing
    nothing, after the last attempt or on a backend that cannot defer (the immediate one of tests
    and quick demos). The task must accept ``attempt`` and be idempotent."""
    if attempt > len(RETRY_DELAYS_SECONDS) or not a_task.get_backend().supports_defer:
        logger.error("task failed and will not be retried", extra={"task": a_task.module_path, "attempt": attempt})
        return False
    delay = RETRY_DELAYS_SECONDS[attempt - 1]
    a_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(*args, attempt=attempt + 1)
    logger.warning("task failed; retrying", extra={"task": a_task.module_path, "attempt": attempt, "retry_in": delay})
    return True


# The priority of work that only makes pages cheaper to serve (a stored page built again while
# requests render it from the records meanwhile): the worker takes the highest priority ready
# first, so imports, webhooks and scheduled releases (the default, 0) never wait behind it.
BACKGROUND_PRIORITY = -10


def enqueue_once(a_task):
    """Queue ``a_task`` (it takes no arguments and does whatever is due when it runs) unless a run
    of it is queued and not started yet: a thousand changes in a minute queue one run, not a
    thousand. Checked and set in one transaction with the queuing, so two processes cannot both
    queue one, and a crash in between leaves no mark without its run. The task calls
    ``started(itself)`` first: a change after that queues the next run. True if it queued one."""
    with transaction.atomic():
        _, created = PendingRun.objects.get_or_create(task=a_task.module_path)
        if created:
            a_task.enqueue()
    return created


def started(a_task):
    """First thing in a task queued by ``enqueue_once``: from now on a change queues another run,
    since this one may already have read past it."""
    PendingRun.objects.filter(task=a_task.module_path).delete()


# Each worker records in the shared cache when it last looked for work; /readyz reports it.
LAST_POLL_KEY = "tasks:last-poll"
# A worker polls every second or so; this long without a poll, or a task ready this long and not
# taken, means no worker is claiming work (dead, or stuck on a locked or unreachable database).
STALLED_AFTER_SECONDS = 120


def record_poll(now=None):
    cache.set(LAST_POLL_KEY, (now or timezone.now()).timestamp(), timeout=None)


def worker_health(now=None):
    """How the task workers are doing, for /readyz: {"status": "ok" | "stalled" | "not seen",
    "last_poll_seconds_ago", "oldest_ready_task_seconds"}. Only the database backend has workers."""
    now = now or timezone.now()
    last_poll = cache.get(LAST_POLL_KEY)
    since_poll = None if last_poll is None else round(now.timestamp() - last_poll, 1)
    # A task is due from its run_after, or from when it was enqueued if it has none (the maximum date).
    due = Case(When(run_after=get_date_max(), then="enqueued_at"), default="run_after")
    oldest = DBTaskResult.objects.ready().aggregate(since=Min(due))["since"]
    waiting = None if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 1)
    if (since_poll is not None and since_poll > STALLED_AFTER_SECONDS) or (waiting or 0) > STALLED_AFTER_SECONDS:
        status = "stalled"
    else:
        status = "not seen" if since_poll is None else "ok"
    return {"status": status, "last_poll_seconds_ago": since_poll, "oldest_ready_task_seconds": waiting}
