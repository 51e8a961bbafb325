"""Production serving without the fault-test machinery: deploy checks, the 503 for a lost
database, a cache that degrades, and recovery of tasks abandoned by a dead worker."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.core.cache import DegradingRedisCache
from newsroom.core.tasks import requeue_stale_tasks

ROOT = Path(__file__).resolve().parents[2]


def _run(script, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="newsroom.settings", **env)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_deploy_checks_pass_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"}},
            "DEBUG": "",
            "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "news.example.com",
            "VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_and_the_api_answer_503_when_the_database_is_unreachable(tmp_path):
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "page = client.get('/')\n"
        "api = client.get('/api/v1/articles/', headers={'Authorization': 'Bearer nrk_abcdefgh_secret'})\n"
        "print(json.dumps([page.status_code, page['Content-Type'], page['Retry-After'], page.content.decode(),"
        " api.status_code, api['Content-Type'], api.json()]))\n"
    )
    result = _run(
        script,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        DATABASE_CONNECT_TIMEOUT="1",
        VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        PAGE_CACHE_SECONDS="0",
    )
    assert result.returncode == 0, result.stderr
    status, content_type, retry_after, body, api_status, api_type, problem = json.loads(result.stdout)
    assert (status, content_type, retry_after) == (503, "text/html; charset=utf-8", "5")
    assert "Briefly unavailable" in body
    assert (api_status, api_type) == (503, "application/problem+json")
    assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
    assert "Traceback" not in result.stderr


@pytest.fixture
def dead_redis():
    # Nothing listens on port 1: every call fails at once, as when Redis is stopped.
    return DegradingRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_a_cache_that_cannot_reach_redis_behaves_as_an_empty_cache(dead_redis):
    assert dead_redis.get("page", "missing") == "missing"
    assert dead_redis.get_many(["a", "b"]) == {}
    assert dead_redis.add("page", "html") is False
    dead_redis.set("page", "html")
    dead_redis.delete("page")
    assert dead_redis.get_or_set("page", "fresh") == "fresh"
    with pytest.raises(ValueError):
        dead_redis.incr("counter")


def test_after_a_failure_the_cache_stops_trying_redis_for_a_while(dead_redis):
    dead_redis.get("page")
    calls = []
    dead_redis._cache.get = lambda *args: calls.append(args)
    assert dead_redis.get("page", "missing") == "missing"
    assert calls == []


@pytest.mark.django_db
def test_tasks_claimed_by_a_worker_that_died_are_requeued_after_the_lease(settings):
    settings.TASK_LEASE_SECONDS = 600
    now = timezone.now()

    def task(status, started_minutes_ago):
        return DBTaskResult.objects.create(
            status=status,
            started_at=now - timedelta(minutes=started_minutes_ago) if started_minutes_ago is not None else None,
            args_kwargs={"args": [1], "kwargs": {}},
            task_path="newsroom.syndication.tasks.deliver_webhook",
            backend_name="default",
            run_after=now,
            worker_ids=["worker-that-died"],
        )

    abandoned = task("RUNNING", 11)
    still_running = task("RUNNING", 2)
    finished = task("SUCCESSFUL", 30)
    waiting = task("READY", None)

    assert requeue_stale_tasks(now=now) == 1
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.started_at) == ("READY", None)
    still_running.refresh_from_db()
    finished.refresh_from_db()
    waiting.refresh_from_db()
    assert (still_running.status, finished.status, waiting.status) == ("RUNNING", "SUCCESSFUL", "READY")
    assert DBTaskResult.objects.ready().filter(pk=abandoned.pk).exists()
