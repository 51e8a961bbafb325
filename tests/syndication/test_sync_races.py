"""A publish that commits in the middle of a partner's request is never lost.

Another connection commits a publish just before each SQL statement of a request in turn (the
request's now is taken by then, so the article goes live after it); the partner, following the
README's sync loop, must then find the publication on the page it got or in the change feed after
the cursor it got, as a live article."""

import itertools
import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import workflow
from articles.models import Article, Section, Status
from tests.syndication.conftest import ApiClient, make_article, make_image, make_partner, sync

pytestmark = pytest.mark.django_db(transaction=True)


def _publish_from_another_connection(article_pk, editor_pk):
    """An editor's publish, committed by another thread (its own database connection) before returning."""
    errors = []

    def publish():
        try:
            editor = get_user_model().objects.get(pk=editor_pk)
            workflow.publish(Article.objects.get(pk=article_pk), editor)
        except Exception as error:  # re-raised below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=publish)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@contextmanager
def _publishing_before_statement(number, article, editor):
    """Commit the publish of ``article`` just before this thread runs its ``number``th SQL statement."""
    statements = itertools.count(1)
    fired = []

    def hook(execute, sql, params, many, context):
        if next(statements) == number:
            _publish_from_another_connection(article.pk, editor.pk)
            fired.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        yield
    assert fired, f"the request ran fewer than {number} statements"


def _statement_count(api, path, params):
    api.get(path, params)  # the key read again if a change since said so (``_partner_api``)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path, params).status_code == 200
    return len(queries)


def _partner_api(client, name, **kwargs):
    api_key, secret = make_partner(name, rate_limit_per_minute=100_000, **kwargs).issue_key()
    api_key.touch()  # no last-used write during the requests under test: the statements stay the same
    api = ApiClient(client, secret)
    # The key is read once, then kept by the process (``authentication.known_keys``), as for a
    # partner polling: every request under test runs the same statements.
    assert api.get("/api/v1/sections/").status_code == 200
    return api


def _live_in(document):
    return document.get("status", document.get("pubStatus")) == "usable"


def _seen_by_partner(api, page, article, fmt):
    """Whether a partner that got ``page`` of the article list, then followed the change feed from
    its changes_cursor, has ``article`` live."""
    uri_end = f"/api/v1/articles/{article.pk}/"
    if any(item["uri"].endswith(uri_end) for item in page["results"]):
        return True
    changes, _ = sync(api, page["changes_cursor"], fmt=fmt)
    return [change["event"] for change in changes if change["article_id"] == article.pk] == ["published"] and all(
        _live_in(change["article"]) for change in changes if change["article_id"] == article.pk
    )


def _approved(section):
    return make_article(status=Status.APPROVED, image=make_image(), section=section)


@pytest.mark.parametrize("fmt", ["json", "ninjs"])
def test_a_publish_during_a_first_page_with_articles_is_on_it_or_after_its_cursor(client, editor, media, fmt):
    news = Section.objects.create(name="Wire", slug="wire")
    for _ in range(3):
        make_article(section=news)
    api = _partner_api(client, "Wire Reader", sections=[news])
    params = {"format": fmt, "page_size": 2}
    lost = []
    for number in range(1, _statement_count(api, "/api/v1/articles/", params) + 1):
        article = _approved(news)
        with _publishing_before_statement(number, article, editor):
            page = api.get("/api/v1/articles/", params).json()
        if not _seen_by_partner(api, page, article, fmt):
            lost.append(number)
    assert lost == [], "lost when committed just before these statements"


@pytest.mark.parametrize("fmt", ["json", "ninjs"])
def test_a_publish_during_an_empty_first_page_is_after_its_cursor(client, editor, media, fmt):
    """A new partner whose sections have nothing live yet: its first page is empty."""
    params = {"format": fmt}
    quiet = Section.objects.create(name="Quiet", slug="quiet")
    statements = _statement_count(_partner_api(client, "Probe", sections=[quiet]), "/api/v1/articles/", params)
    lost = []
    for number in range(1, statements + 1):
        section = Section.objects.create(name=f"Quiet {number}", slug=f"quiet-{number}")
        api = _partner_api(client, f"New Partner {number}", sections=[section])
        article = _approved(section)
        with _publishing_before_statement(number, article, editor):
            page = api.get("/api/v1/articles/", params).json()
        if not _seen_by_partner(api, page, article, fmt):
            lost.append(number)
    assert lost == [], "lost when committed just before these statements"


@pytest.mark.parametrize("fmt", ["json", "ninjs"])
def test_a_publish_during_a_change_feed_poll_is_in_the_feed_as_live(client, editor, media, fmt):
    """Each poll brings one earlier publication, so it runs every statement a poll with news runs."""
    api = _partner_api(client, "Poller")
    _, cursor = sync(api)
    workflow.publish(_approved(None), editor)
    lost = []
    for number in range(1, _statement_count(api, "/api/v1/changes/", {"format": fmt, "cursor": cursor}) + 1):
        workflow.publish(_approved(None), editor)
        article = _approved(None)
        with _publishing_before_statement(number, article, editor):
            page = api.get("/api/v1/changes/", {"format": fmt, "cursor": cursor}).json()
        later, cursor = sync(api, page["cursor"], fmt=fmt)
        changes = [change for change in page["results"] + later if change["article_id"] == article.pk]
        if [change["event"] for change in changes] != ["published"] or not _live_in(changes[0]["article"]):
            lost.append(number)
    assert lost == [], "lost (or a tombstone) when committed just before these statements"
