"""Recovering tasks from a worker that died mid-job.

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
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

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
