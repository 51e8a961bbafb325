"""The page cache, conditional GET and Cache-Control: fast for readers, never stale after a change."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.http import http_date

from articles import readmodel, workflow
from articles.models import Article, Section, Tag
from newsroom.core import pagecache
from newsroom.syndication import receivers
from tests.site.conftest import TOYOTA_SLUG, rebuilt

pytestmark = pytest.mark.django_db
STORY_URL = f"/articles/{TOYOTA_SLUG}/"
CACHED_PAGES = ["/", STORY_URL, "/section/industry/", "/tag/toyota/", "/author/walter-writer/", "/latest/"]
CACHED_PAGES += ["/feed/rss/", "/feed/atom/", "/section/industry/feed/rss/", "/sitemap.xml", "/sitemap-news.xml"]


def test_a_cached_page_costs_no_queries_and_answers_304_to_a_conditional_get(
    client, newsroom, django_assert_num_queries
):
    for url in CACHED_PAGES:
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["ETag"].startswith('"')
        cache_control = first["Cache-Control"]
        assert "public" in cache_control and "s-maxage=" in cache_control and "stale-while-revalidate=" in cache_control

        with django_assert_num_queries(0):
            again = client.get(url)
        assert again.content == first.content, url
        with django_assert_num_queries(0):
            not_modified = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert not_modified.status_code == 304, url
        assert not_modified.content == b""
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_correction_shows_at_once_on_the_cached_page(client, newsroom, editor, django_capture_on_commit_callbacks):
    before = client.get(STORY_URL)
    assert "Our report misnamed the plant." not in before.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.correct(newsroom["story"], editor, "Our report misnamed the plant.")
    after = client.get(STORY_URL, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert "Our report misnamed the plant." in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_an_update_refreshes_the_home_page(client, newsroom, editor, django_capture_on_commit_callbacks):
    story = newsroom["story"]
    client.get("/")
    type(story).objects.filter(pk=story.pk).update(headline="Toyota confirms Japan plans for three US-built models")
    story.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.update(story, editor)
    assert "Toyota confirms Japan plans" in client.get("/").content.decode()


def test_vehicle_record_changes_refresh_article_pages(client, newsroom, django_capture_on_commit_callbacks):
    from vehicles.models import Market

    client.get(STORY_URL)
    Market.objects.filter(name="Japan").update(name="Nippon")  # a bulk update sends no signal…
    japan = Market.objects.get(name="Nippon")
    japan.name = "Japan (JP)"
    with django_capture_on_commit_callbacks(execute=True):
        japan.save()  # …a save from the admin does, once it commits
    assert "Japan (JP)" in client.get(STORY_URL).content.decode()


def test_logged_in_editors_never_get_cached_or_cacheable_pages(newsroom, editor):
    anonymous = Client()
    anonymous.get(STORY_URL)  # fills the cache
    signed_in = Client()
    signed_in.force_login(editor)
    response = signed_in.get(STORY_URL)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "s-maxage" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_search_asked_again_is_answered_from_the_page_cache_under_its_cleaned_query(
    client, newsroom, django_assert_num_queries, django_assert_max_num_queries
):
    first = client.get("/search/?q=toyota")
    assert first.status_code == 200 and "result" in first.content.decode()
    with django_assert_num_queries(0):
        assert client.get("/search/?q=toyota", headers={"If-None-Match": first["ETag"]}).status_code == 304
    # The same cleaned query and page number: the same answer, so the same entry.
    for same in (
        "/search/?q=toyota",
        "/search/?q=%20toyota%09",
        "/search/?q=toyota&page=01",
        "/search/?utm=x&q=toyota",
    ):
        with django_assert_num_queries(0):
            assert client.get(same).content == first.content, same
    # The page repeats what was typed: another text is another page, even if it finds the same.
    with django_assert_max_num_queries(50) as rendered:
        other = client.get("/search/?q=Toyota")
    assert len(rendered) > 0
    assert 'value="Toyota"' in other.content.decode() and other.content != first.content
    assert client.get("/search/?q=toyota&page=x").status_code == 404


def test_a_renamed_tag_is_found_by_the_next_search(client, newsroom, django_capture_on_commit_callbacks):
    """Search matches tag names: a cached search page is stale once any tag is renamed."""
    assert "result" not in client.get("/search/?q=zanzibarian").content.decode()
    tag = newsroom["articles"][0].tags.first()
    tag.name = "Zanzibarian"
    with django_capture_on_commit_callbacks(execute=True):
        tag.save()
    assert "result" in client.get("/search/?q=zanzibarian").content.decode()


def test_a_flood_of_distinct_searches_never_pushes_an_article_page_out(
    client, newsroom, settings, monkeypatch, django_assert_num_queries
):
    """Search pages are kept in a few slots of their own: however many distinct searches come,
    they take no more entries of the shared cache, and no process's copies of other pages."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 30}}
    }
    searches = pagecache._endless_paths(settings.ROOT_URLCONF)["/search/"]
    monkeypatch.setattr(searches, "slots", 4)
    monkeypatch.setattr(searches, "recent", pagecache._Recent(size=3))
    client.get(STORY_URL)
    for number in range(100):
        assert client.get(f"/search/?q=flood{number}").status_code == 200
    kept = [key for key in cache._cache if pagecache.PAGE_KEY in key]
    assert len(kept) == 5  # the story and four searches
    with django_assert_num_queries(0):
        client.get(STORY_URL)
    pagecache._recent.pages.clear()  # this process's copy aside, the shared cache still has it
    with django_assert_num_queries(0):
        client.get(STORY_URL)
    with django_assert_num_queries(0):  # the last search is still kept
        client.get("/search/?q=flood99")


def test_not_found_is_not_cached_by_cdns(client, newsroom):
    response = client.get("/articles/not-yet-live/")
    assert response.status_code == 404
    assert "s-maxage" not in response.get("Cache-Control", "")


def test_page_cache_seconds_zero_turns_the_page_cache_off_but_keeps_304s(client, newsroom, settings):
    settings.PAGE_CACHE_SECONDS = 0
    first = client.get(STORY_URL)
    Article.objects.filter(slug=TOYOTA_SLUG).update(standfirst="A new standfirst, seen at once.")
    rebuilt(Article.objects.get(slug=TOYOTA_SLUG))
    second = client.get(STORY_URL)
    assert "A new standfirst, seen at once." in second.text
    assert second["ETag"] != first["ETag"]
    assert client.get(STORY_URL, headers={"If-None-Match": second["ETag"]}).status_code == 304


def test_a_cached_answer_carries_the_same_security_headers_as_a_fresh_one(client, newsroom):
    """Hits are answered before the CSP, clickjacking and session middleware run, so the stored
    page must bring their headers along; the outer middleware adds its own to every answer."""
    fresh = client.get(STORY_URL)
    cached = client.get(STORY_URL)
    for header in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control", "Vary", "ETag", "Content-Type"):
        assert cached[header] == fresh[header], header
    for header in ("X-Content-Type-Options", "Referrer-Policy", "X-Request-ID"):
        assert cached.has_header(header), header
    assert cached["X-Request-ID"] != fresh["X-Request-ID"]


def test_a_reader_with_a_session_cookie_is_sent_to_the_view(client, newsroom, django_assert_max_num_queries):
    client.get(STORY_URL)  # stored
    client.cookies["sessionid"] = "not-a-real-session"
    with django_assert_max_num_queries(20) as queries:
        response = client.get(STORY_URL)
    assert response.status_code == 200
    assert len(queries) > 0  # rendered by the view, not answered from the cache


def test_a_request_with_credentials_is_sent_to_the_view(client, newsroom, django_assert_max_num_queries):
    """A partner's key (or any Authorization) asks for an answer of its own: never a reader's copy."""
    client.get(STORY_URL)  # stored
    with django_assert_max_num_queries(20) as queries:
        response = client.get(STORY_URL, HTTP_AUTHORIZATION="Bearer nrk_00000000_any")
    assert response.status_code == 200
    assert len(queries) > 0  # rendered by the view, not answered from the cache


def test_a_page_that_sets_a_cookie_is_never_stored(rf, newsroom):
    """Whatever marked it storable: a Set-Cookie belongs to one visitor, not to every reader."""
    from django.http import HttpResponse

    from newsroom.core.pagecache import PageCacheMiddleware

    def view_setting_a_cookie(request):
        response = HttpResponse("personal")
        response["ETag"] = '"personal"'
        response.set_cookie("visitor", "1")
        response.store_in_page_cache = True
        return response

    middleware = PageCacheMiddleware(view_setting_a_cookie)
    middleware(rf.get("/personal/"))
    assert PageCacheMiddleware(lambda request: HttpResponse("rendered again"))(rf.get("/personal/")).content == (
        b"rendered again"
    )


def test_a_tag_rename_makes_pages_stale_only_once_it_commits(client, newsroom, django_capture_on_commit_callbacks):
    """Made stale before the commit, a page a reader asks for in between would be stored again
    with the old name and kept."""
    assert ">Toyota<" in client.get("/tag/toyota/").text
    tag = Tag.objects.get(slug="toyota")
    tag.name = "Toyota Motor"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tag.save()
        assert "Toyota Motor" not in client.get("/tag/toyota/").text  # still the stored page
    for callback in callbacks:
        callback()
    assert "Toyota Motor" in client.get("/tag/toyota/").text


STORED_ITEM_PAGES = ["/feed/rss/", "/feed/atom/", "/section/industry/feed/atom/", "/sitemap-news.xml"]


def test_a_tag_rename_reaches_the_cached_feeds_once_the_worker_rebuilt_their_stories(
    client, newsroom, django_capture_on_commit_callbacks, monkeypatch
):
    """Feeds and the news sitemap write each story's stored item: a reader asking between a rename
    and the worker's rebuild of the stories showing it is served (and the cache keeps) the old
    name; the rebuild then makes them stale."""
    queued = {}
    rebuild_showing = readmodel.rebuild_showing
    for module, name in ((readmodel, "rebuild_showing"), (receivers, "announce_updates")):  # the second tells partners
        queue = type("Queue", (), {"enqueue": staticmethod(lambda *args, name=name: queued.setdefault(name, args))})
        monkeypatch.setattr(module, name, queue)
    for url in STORED_ITEM_PAGES:
        client.get(url)  # kept by the page cache
    tag = Tag.objects.get(slug="toyota")
    tag.name = "Toyota (renamed)"
    with django_capture_on_commit_callbacks(execute=True):
        tag.save()
    for url in STORED_ITEM_PAGES:
        assert "Toyota (renamed)" not in client.get(url).text, url  # the worker has not run yet
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_showing.call(*queued["rebuild_showing"])
    for url in STORED_ITEM_PAGES:
        assert "Toyota (renamed)" in client.get(url).text, url


def test_feeds_tell_conditional_gets_when_their_newest_story_changed(client, newsroom):
    """Last-Modified is the newest item's date (Django's feeds), now read from the stored stories."""
    newest = max(article.last_updated for article in Article.objects.live())
    for url in ["/feed/rss/", "/feed/atom/"]:
        assert client.get(url)["Last-Modified"] == http_date(newest.timestamp()), url


def test_a_renamed_or_added_section_is_in_every_pages_navigation_at_once(client, newsroom, settings):
    # Page cache off: the navigation is rendered once per set of sections (``{% site_navigation %}``),
    # and that copy must follow the sections themselves.
    settings.PAGE_CACHE_SECONDS = 0
    section = newsroom["section"]
    for url in ["/", STORY_URL, "/latest/"]:
        assert f">{section.name}</a></li>" in client.get(url).content.decode(), url
    section.name = "Trade and industry"
    section.save()
    Section.objects.create(name="Motorsport", slug="motorsport", position=99)
    for url in ["/", STORY_URL, "/latest/", f"/section/{section.slug}/"]:
        navigation = client.get(url).content.decode().split('<nav class="site-nav"')[1].split("</nav>")[0]
        assert ">Trade and industry</a></li>" in navigation, url
        assert '<a href="/section/motorsport/">Motorsport</a>' in navigation, url
    current = client.get(f"/section/{section.slug}/").content.decode()
    assert f'<a href="/section/{section.slug}/" aria-current="page">Trade and industry</a>' in current
    # The home page's block of the section's stories, whose heading is rendered once per name too.
    assert f'<a href="/section/{section.slug}/">Trade and industry</a></h2>' in client.get("/").content.decode()


def test_a_change_the_page_cache_cannot_read_back_makes_pages_stale_never_current(
    client, newsroom, django_assert_num_queries, django_assert_max_num_queries, monkeypatch
):
    """A page is current only if every change since it was stored is known not to touch it: a
    change whose journal entry was evicted, or too many changes to check, count as touching it."""
    client.get(STORY_URL)
    pagecache.drop({"something-else-1"})
    with django_assert_num_queries(0):  # the change is read back: it touches nothing shown here
        client.get(STORY_URL)

    pagecache.drop({"something-else-2"})
    cache.delete(pagecache.JOURNAL_KEY + str(cache.get(pagecache.CHANGES_KEY)))
    with django_assert_max_num_queries(50) as rendered:
        client.get(STORY_URL)
    assert len(rendered) > 0
    with django_assert_num_queries(0):
        client.get(STORY_URL)

    monkeypatch.setattr(pagecache, "JOURNAL_WINDOW", 3)
    for number in range(4):
        pagecache.drop({f"something-else-{number}"})
    with django_assert_max_num_queries(50) as rendered:
        client.get(STORY_URL)
    assert len(rendered) > 0
