"""The public side of the article lifecycle: scheduled, published, corrected, withdrawn, renamed.
State changes go through the real workflow; only the clock is moved."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape

from articles import workflow
from articles.models import Article, SlugRedirect
from newsroom.core import pagecache
from tests.site.conftest import TOYOTA_SLUG

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(newsroom, editor):
    """An article ready to go: submitted, approved, with everything the checklist wants."""
    article = newsroom["articles"][0]
    Article.objects.filter(pk=article.pk).update(
        status="approved", publish_at=None, first_published_at=None, last_published_at=None
    )
    article.refresh_from_db()
    return article


def test_scheduled_article_is_404_until_its_minute_then_live_without_a_worker(client, approved, editor, monkeypatch):
    go_live = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    workflow.schedule(approved, editor, go_live)
    url = approved.get_absolute_url()
    real_now = timezone.now

    monkeypatch.setattr(timezone, "now", lambda: go_live - timedelta(seconds=1))
    assert client.get(url).status_code == 404
    assert approved.headline not in client.get("/").content.decode()
    assert approved.headline not in client.get("/feed/rss/").content.decode()

    monkeypatch.setattr(timezone, "now", lambda: go_live)
    response = client.get(url)
    assert response.status_code == 200
    assert approved.headline in response.content.decode()
    monkeypatch.setattr(timezone, "now", real_now)


def _edge_seconds(response):
    """The s-maxage an answer gives shared caches (Varnish, a CDN)."""
    directives = dict(part.strip().partition("=")[::2] for part in response["Cache-Control"].split(","))
    return int(directives["s-maxage"])


def test_cached_pages_expire_at_the_next_go_live_minute_here_and_at_the_edge(
    client, newsroom, approved, editor, settings, monkeypatch
):
    settings.PAGE_CACHE_SECONDS = 300
    monkeypatch.setattr(pagecache, "CDN_SECONDS", 3600)
    # The newsroom fixture has a story scheduled for next week: no effect on either lifetime.
    home = client.get("/")
    assert (home.page_cache_timeout, _edge_seconds(home)) == (300, 3600)
    workflow.schedule(approved, editor, timezone.now() + timedelta(seconds=90))
    cache.clear()  # the step's commit, which would make the home page stale, never comes in a test
    # Every page read after the step carries the minute, lists and stories alike.
    for path in ("/", f"/articles/{TOYOTA_SLUG}/", "/latest/"):
        page = client.get(path)
        assert 89 <= page.page_cache_timeout <= 91 and 89 <= _edge_seconds(page) <= 91, path
    # A minute later, a reader answered from the page cache hands the edge only what is left.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 60)
    hit = client.get("/latest/")
    assert not hasattr(hit, "page_cache_timeout")  # from the page cache, not the view
    assert 28 <= _edge_seconds(hit) <= 31


def test_the_first_search_after_a_publish_shows_the_story_and_none_after_its_withdrawal(
    client, approved, editor, django_assert_num_queries, django_capture_on_commit_callbacks
):
    Article.objects.filter(pk=approved.pk).update(headline="Zanzibar gets its first Toyota plant")
    approved.refresh_from_db()
    search = "/search/?q=zanzibar"
    assert "Zanzibar gets" not in client.get(search).content.decode()
    with django_assert_num_queries(0):  # kept in the page cache…
        assert "Zanzibar gets" not in client.get(search).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(approved, editor)
    assert "Zanzibar gets" in client.get(search).content.decode()  # …until the publish
    with django_assert_num_queries(0):
        assert "Zanzibar gets" in client.get(search).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(approved, editor, "Legal advice.")
    assert "Zanzibar gets" not in client.get(search).content.decode()


def test_a_kept_search_shows_a_scheduled_story_from_its_minute(client, approved, editor, monkeypatch):
    Article.objects.filter(pk=approved.pk).update(headline="Zanzibar gets its first Toyota plant")
    approved.refresh_from_db()
    go_live = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    workflow.schedule(approved, editor, go_live)
    cache.clear()  # the step's commit, which would make kept pages stale, never comes in a test
    real_now, real_time = timezone.now, time.time
    monkeypatch.setattr(timezone, "now", lambda: go_live - timedelta(seconds=1))
    before = client.get("/search/?q=zanzibar")
    assert "Zanzibar gets" not in before.content.decode()
    assert before.page_cache_timeout <= 2  # kept no longer than until the minute
    monkeypatch.setattr(timezone, "now", lambda: go_live)
    monkeypatch.setattr(time, "time", lambda: real_time() + 3)
    assert "Zanzibar gets" in client.get("/search/?q=zanzibar").content.decode()
    monkeypatch.setattr(timezone, "now", real_now)


def test_withdrawn_article_is_410_gone_with_a_notice(client, newsroom, editor, django_capture_on_commit_callbacks):
    story = newsroom["story"]
    assert client.get(f"/articles/{TOYOTA_SLUG}/").status_code == 200  # and now in the page cache
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(story, editor, "Legal advice.")
    response = client.get(f"/articles/{TOYOTA_SLUG}/")
    assert response.status_code == 410
    html = response.content.decode()
    assert "This article has been withdrawn" in html
    assert story.standfirst not in html
    assert story.headline not in client.get("/").content.decode()


def test_the_withdrawn_page_names_the_story_and_why_but_not_the_internal_note(client, newsroom, editor):
    story = newsroom["story"]
    workflow.withdraw(story, editor, "It gave the wrong <em>launch</em> date.", note="INTERNAL: dealer complaint")
    SlugRedirect.objects.create(old_slug="toyota-japan-old-headline", article=story)
    for path in (f"/articles/{TOYOTA_SLUG}/", "/articles/toyota-japan-old-headline/"):
        response = client.get(path)
        assert response.status_code == 410
        html = response.content.decode()
        assert escape(story.headline) in html
        assert "Why: It gave the wrong launch date." in html.replace("<strong>", "").replace("</strong>", "")
        assert "INTERNAL" not in html and "<em>" not in html
        # A page of the site like the others: its name in the title and the feed links.
        assert "<title>Article withdrawn | Newsroom</title>" in html
        assert 'title="Newsroom: latest news (RSS)"' in html


def test_old_slug_answers_301_to_the_new_url(client, newsroom):
    story = newsroom["story"]
    SlugRedirect.objects.create(old_slug="toyota-japan-old-headline", article=story)
    response = client.get("/articles/toyota-japan-old-headline/")
    assert response.status_code == 301
    assert response["Location"] == f"/articles/{TOYOTA_SLUG}/"


def test_old_slug_of_a_withdrawn_article_is_gone_not_redirected(client, newsroom, editor):
    story = newsroom["story"]
    SlugRedirect.objects.create(old_slug="toyota-japan-old-headline", article=story)
    workflow.withdraw(story, editor, "Legal advice.")
    assert client.get("/articles/toyota-japan-old-headline/").status_code == 410


def test_old_slug_of_a_draft_leaks_nothing(client, newsroom):
    SlugRedirect.objects.create(old_slug="secret-old-slug", article=newsroom["draft"])
    response = client.get("/articles/secret-old-slug/")
    assert response.status_code == 404
    assert "Secret draft" not in response.content.decode()


def test_drafts_are_404_and_leak_nothing(client, newsroom):
    draft = newsroom["draft"]
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 404
    assert "Secret draft" not in response.content.decode()
