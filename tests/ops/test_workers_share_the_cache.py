"""Several gunicorn workers on one machine, no Redis: the shipped production shape. Whatever
decides that a cached page is stale, and the API's rate-limit counts, must be the same in every
process, or a story withdrawn from one process stays in front of readers in the others."""

import time

import pytest

from tests.servers import App, get

STORY = "/articles/toyota-to-sell-us-built-camry-highlander-and-tundra-in-japan/"
WORKERS = 3
# Requests go to whichever worker accepts first; this many gives every worker its turn.
MAX_REQUESTS = 400


@pytest.fixture
def served(tmp_path, own_database_url):
    app = App(tmp_path, own_database_url, workers=WORKERS, PAGE_CACHE_SECONDS="300")
    yield app
    app.stop()


def _until_every_worker_answered(app, path, headers=None):
    """GET ``path`` until each worker has answered it once; returns [(pid, status)] of those answers."""
    already = len(app.answered())
    answers = []
    for _ in range(MAX_REQUESTS):
        get(app.base + path, headers=headers)
        answers = [(pid, status) for pid, status, _path in app.answered()[already:]]
        if len({pid for pid, _status in answers}) == WORKERS:
            return answers
    raise AssertionError(f"only {len({pid for pid, _ in answers})} of {WORKERS} workers answered")


def test_after_a_withdrawal_commits_every_workers_next_answer_is_410(served):
    warm = _until_every_worker_answered(served, STORY)
    assert {status for _pid, status in warm} == {200}
    assert get(served.base + STORY)[1].get("Cache-Control", "").startswith("public")

    # Withdrawn from a process of its own, as the admin (one worker), the task worker or a
    # management command would: no gunicorn worker hears of it but through the shared cache.
    served.script(
        "from articles import workflow\n"
        "from articles.models import Article\n"
        "from django.contrib.auth import get_user_model\n"
        f"story = Article.objects.get(slug={STORY.split('/')[2]!r})\n"
        "workflow.withdraw(story, get_user_model().objects.get(username='editor'), 'Legal request')\n"
    )

    after = _until_every_worker_answered(served, STORY)
    assert [status for _pid, status in after] == [410] * len(after)


def test_a_partners_rate_limit_is_counted_once_across_workers(served):
    served.script(
        "from newsroom.syndication.models import Partner\n"
        "Partner.objects.filter(name='Servers').update(rate_limit_per_minute=6)\n"
    )
    if time.time() % 60 > 45:  # the limit counts per clock minute: start well inside one
        time.sleep(60 - time.time() % 60)
    auth = {"Authorization": f"Bearer {served.api_key}"}
    already = len(served.answered())
    statuses = []
    while len(statuses) < 12 or len({pid for pid, *_ in served.answered()[already:]}) < 2:
        statuses.append(get(served.base + "/api/v1/sections/", headers=auth)[0])
    # Counted per worker, each of the workers would allow six of its own.
    assert statuses == [200] * 6 + [429] * (len(statuses) - 6), statuses
