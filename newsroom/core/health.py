"""Health endpoints for load balancers and orchestrators."""

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.tasks import task_backends
from django.views.decorators.cache import never_cache
from django_tasks_db.backend import DatabaseBackend

from newsroom.core.tasks import worker_health


def _database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        # Drop the broken connection so the next request reconnects instead of reusing it.
        connection.close_if_unusable_or_obsolete()
        return False


def _cache_answers():
    try:
        cache.set("readyz", "1", 5)
        return cache.get("readyz") == "1"
    except Exception:  # any backend error (Redis down, timeout) means "not ready"
        return False


@never_cache
def healthz(request):
    """200 while the database answers, 503 when it does not."""
    ok = _database_answers()
    return JsonResponse({"status": "ok" if ok else "unavailable", "database": ok}, status=200 if ok else 503)


def _task_workers():
    """The task workers' state, shown but not part of readiness: a stalled worker stops webhooks,
    not this server's pages, so the load balancer must keep sending readers here."""
    if not isinstance(task_backends["default"], DatabaseBackend):
        return {}
    try:
        return {"task_workers": worker_health()}
    except DatabaseError:
        return {"task_workers": {"status": "unknown"}}


@never_cache
def readyz(request):
    """200 when both the database and the cache answer: ready to take traffic."""
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    ok = all(checks.values())
    body = {"status": "ok" if ok else "unavailable", **checks, **_task_workers()}
    return JsonResponse(body, status=200 if ok else 503)
