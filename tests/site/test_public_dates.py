"""An article's public dates (``Article.first_published``, ``last_updated``, ``updated_line``)
read the same on its page, its JSON-LD, the feeds, the sitemaps and the vehicle page."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.site.conftest import TOYOTA_SLUG, rebuilt

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
STORY = f"http://127.0.0.1:8000/articles/{TOYOTA_SLUG}/"


def _move_clock_back(article, **times):
    """What the row would hold had these steps happened that long ago (no test waits for a clock)."""
    Article.objects.filter(pk=article.pk).update(**times)
    article.refresh_from_db()
    rebuilt(article)


def _time(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def republished(newsroom, editor):
    """The Toyota story: first published five days ago, updated four days ago, then withdrawn and
    republished by scheduling it, its go-live minute an hour ago."""
    minute = timezone.now().replace(second=0, microsecond=0)
    story = newsroom["story"]
    _move_clock_back(
        story,
        publish_at=minute - timedelta(days=5),
        first_published_at=minute - timedelta(days=5),
        last_published_at=minute - timedelta(days=4),
    )
    workflow.withdraw(story, editor, "Held back while the importer confirms prices.")
    workflow.redraft(story, editor)
    workflow.submit(story, editor)
    workflow.approve(story, editor)
    workflow.schedule(story, editor, minute + timedelta(hours=1))
    _move_clock_back(story, publish_at=minute - timedelta(hours=1))
    return {"story": story, "first": minute - timedelta(days=5), "republished": minute - timedelta(hours=1)}


def test_a_republished_story_is_updated_when_it_came_back_everywhere(client, republished):
    first, back = republished["first"], republished["republished"]

    html = client.get(f"/articles/{TOYOTA_SLUG}/").content.decode()
    [published_on_page] = re.findall(r'Published <time datetime="([^"]+)"', html)
    [updated_on_page] = re.findall(r'Updated <time datetime="([^"]+)"', html)
    [json_ld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)
    data = json.loads(json_ld)
    assert _time(published_on_page) == _time(data["datePublished"]) == first
    assert _time(updated_on_page) == _time(data["dateModified"]) == back

    atom = ET.fromstring(client.get("/feed/atom/").content)  # noqa: S314 - our own output
    [entry] = [entry for entry in atom.findall(f"{ATOM}entry") if entry.find(f"{ATOM}link").get("href") == STORY]
    assert _time(entry.findtext(f"{ATOM}published")) == first
    assert _time(entry.findtext(f"{ATOM}updated")) == back

    sitemap = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own output
    [url] = [url for url in sitemap.findall(f"{SITEMAP}url") if url.findtext(f"{SITEMAP}loc") == STORY]
    assert url.findtext(f"{SITEMAP}lastmod") == back.date().isoformat()


def test_a_republished_story_is_dated_by_its_first_publication(client, republished):
    first = republished["first"]

    vehicle_page = client.get("/vehicles/toyota/tundra/").content.decode()
    [listed] = re.findall(rf'href="/articles/{TOYOTA_SLUG}/">[^<]*</a> <time datetime="([^"]+)"', vehicle_page)
    assert _time(listed) == first

    # First published five days ago: not news for the last 48 hours' news sitemap.
    news = client.get("/sitemap-news.xml").content.decode()
    assert STORY not in news
