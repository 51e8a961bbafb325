"""Each page type runs a fixed number of SQL queries, whatever the number of articles, tags,
authors, vehicles and images on it (the newsroom fixture has several of each per article)."""

import pytest
from django.core.cache import cache

from tests.site.conftest import TOYOTA_SLUG, make_image, make_live_article
from vehicles import pages as vehicle_pages

pytestmark = pytest.mark.django_db

# Page → queries on a cache miss. Every list page also asks for the sections (navigation) and
# the next scheduled go-live time (how long the page may be cached); the home and article pages
# read both in their own first statement.
PAGES = {
    # Pages of stories and cards read what the read model stored (``articles.readmodel``):
    # the latest few with their stored cards (lead and compact), the sections and go-live, and
    # the section blocks with their cards
    "/": 1,
    # the stored story with its related stories' stored cards, the sections and go-live
    f"/articles/{TOYOTA_SLUG}/": 1,
    # count, the page with its stored cards; sections; go-live (+ the tag or author itself)
    "/latest/": 4,
    "/section/industry/": 4,
    "/tag/toyota/": 5,
    "/author/author-1/": 5,
    # the ranked matches; the page of them shown with their stored cards and text (snippets);
    # sections; go-live
    "/search/?q=story": 4,
    # the newest stories with their stored items; go-live
    "/feed/rss/": 2,
    "/feed/atom/": 2,
    # the section, its newest stories with their stored items; go-live
    "/section/industry/feed/rss/": 3,
    "/section/industry/feed/atom/": 3,
    # counts and items of stored stories, sections, vehicles; go-live
    "/sitemap.xml": 7,
    # the stored entries; go-live
    "/sitemap-news.xml": 2,
    # the stored vehicle page (``vehicles.pages``), the live articles about the model; sections;
    # go-live (every article of the fixture is about the Tundra)
    # (the page as the task leaves it: ``test_query_count_is_fixed`` runs it first)
    "/vehicles/toyota/tundra/": 4,
}


def grow(newsroom, extra):
    """More articles with the same shape, to show the counts do not depend on the rows."""
    for number in range(200, 200 + extra):
        make_live_article(
            number,
            section=newsroom["section"],
            tags=newsroom["tags"],
            authors=newsroom["authors"],
            vehicles=newsroom["vehicles"],
            image=make_image(number),
        )


def test_query_count_is_fixed(client, newsroom, django_assert_num_queries):
    vehicle_pages.rebuild_outdated.call()  # as the worker does once the fixture's records commit
    for url in PAGES:
        client.get(url)  # make the image renditions once, as the first reader would
    grow(newsroom, 3)
    for url, expected in PAGES.items():
        cache.clear()  # the new articles' pages (their commit, which would do this, never comes in a test)
        client.get(url)
        cache.clear()
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200, url
