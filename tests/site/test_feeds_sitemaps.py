"""Feeds validate as RSS 2.0 and Atom, sitemaps as sitemap XML; only live articles appear."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import readmodel, workflow
from articles.models import Article
from tests.site.conftest import TOYOTA_SLUG, rebuilt

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def parse_xml(content):
    return ET.fromstring(content)  # noqa: S314 - our own output, the thing under test


STORY = f"http://127.0.0.1:8000/articles/{TOYOTA_SLUG}/"


def test_rss_feed_is_rss_2_with_live_articles(client, newsroom):
    response = client.get("/feed/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = parse_xml(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") and channel.findtext("link") and channel.findtext("description")
    items = channel.findall("item")
    titles = [item.findtext("title") for item in items]
    assert newsroom["story"].headline in titles
    assert "Secret draft about the Tundra" not in titles
    assert "Scheduled story for next week" not in titles
    story = next(item for item in items if item.findtext("title") == newsroom["story"].headline)
    assert story.findtext("link") == STORY
    assert story.findtext("pubDate")
    assert {category.text for category in story.findall("category")} >= {"Industry", "Toyota", "Japan"}


def test_atom_feed_is_atom(client, newsroom):
    response = client.get("/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") and root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}updated")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 9
    story = next(entry for entry in entries if entry.findtext(f"{ATOM}title") == newsroom["story"].headline)
    assert story.find(f"{ATOM}link").get("href") == STORY
    assert story.findtext(f"{ATOM}author/{ATOM}name") == "Walter Writer, Erika Editor"
    assert story.findtext(f"{ATOM}updated")


def test_section_feeds_hold_only_that_section(client, newsroom):
    for url in ["/section/news/feed/rss/", "/section/news/feed/atom/"]:
        root = parse_xml(client.get(url).content)
        text = ET.tostring(root, encoding="unicode")
        assert newsroom["story"].headline not in text  # the story is in Industry
    titles = [
        item.findtext("title") for item in parse_xml(client.get("/section/industry/feed/rss/").content).iter("item")
    ]
    assert newsroom["story"].headline in titles


def test_sitemap_lists_articles_sections_and_vehicles(client, newsroom):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = parse_xml(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    locations = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
    assert STORY in locations
    assert "http://127.0.0.1:8000/section/industry/" in locations
    assert "http://127.0.0.1:8000/vehicles/toyota/tundra/" in locations
    assert not any("test-story-100" in location for location in locations)  # the draft
    assert not any("test-story-101" in location for location in locations)  # scheduled for next week
    story = next(url for url in root.findall(f"{SITEMAP}url") if url.findtext(f"{SITEMAP}loc") == STORY)
    assert story.findtext(f"{SITEMAP}lastmod")


def test_sitemap_urls_are_on_the_public_site_whatever_host_was_asked(client, newsroom, settings):
    settings.SITE_URL = "https://news.example.com"
    readmodel.rebuild_all(everything=True)  # as after a deploy to a new address: stored links move
    for sitemap in ["/sitemap.xml", "/sitemap-news.xml"]:
        root = parse_xml(client.get(sitemap, headers={"Host": "localhost"}).content)
        locations = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
        assert "https://news.example.com" + newsroom["story"].get_absolute_url() in locations, sitemap
        assert all(location.startswith("https://news.example.com/") for location in locations), sitemap


def test_bad_sitemap_pages_are_404(client, newsroom):
    for page in ["2", "-1", "abc", "999999"]:
        assert client.get(f"/sitemap.xml?p={page}").status_code == 404


def test_news_sitemap_has_the_last_48_hours_only(client, newsroom):
    old = newsroom["articles"][-1]
    long_ago = timezone.now() - timedelta(days=3)
    Article.objects.filter(pk=old.pk).update(publish_at=long_ago, first_published_at=long_ago)
    rebuilt(old)
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    root = parse_xml(response.content)
    urls = root.findall(f"{SITEMAP}url")
    locations = [url.findtext(f"{SITEMAP}loc") for url in urls]
    assert STORY in locations
    assert f"http://127.0.0.1:8000{old.get_absolute_url()}" not in locations
    assert not any("test-story-100" in location for location in locations)
    news = urls[locations.index(STORY)].find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}title") == newsroom["story"].headline
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Newsroom"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}publication_date")


def test_hostile_headline_stays_well_formed_in_feeds_and_sitemaps(client, newsroom):
    article = newsroom["articles"][0]
    headline = '<b>"Tom & Jerry"</b> ]]> \u2028 ünïcödé'
    Article.objects.filter(pk=article.pk).update(headline=headline)
    rebuilt(article)
    rss, atom, news = (parse_xml(client.get(url).content) for url in ["/feed/rss/", "/feed/atom/", "/sitemap-news.xml"])
    assert headline in [item.findtext("title") for item in rss.iter("item")]
    assert headline in [entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")]
    assert headline in [entry.findtext(f"{NEWS}title") for entry in news.iter(f"{NEWS}news")]


def test_a_story_with_a_control_character_pasted_in_is_published_and_in_the_feeds(client, newsroom, editor):
    """XML cannot carry a vertical tab (a word processor's line break): the feed item leaves it out,
    where Django's feed generator would refuse the whole feed, and so the step building it."""
    story = newsroom["story"]
    Article.objects.filter(pk=story.pk).update(standfirst="Two lines\x0bpasted from a document.")
    story.refresh_from_db()
    workflow.update(story, editor)
    rss, atom = (parse_xml(client.get(url).content) for url in ["/feed/rss/", "/feed/atom/"])
    rss_item = next(item for item in rss.iter("item") if item.findtext("title") == story.headline)
    assert rss_item.findtext("description") == "Two linespasted from a document."
    entry = next(entry for entry in atom.iter(f"{ATOM}entry") if entry.findtext(f"{ATOM}title") == story.headline)
    assert entry.findtext(f"{ATOM}summary") == "Two linespasted from a document."
