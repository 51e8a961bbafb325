"""Golden files: what every public page, feed, sitemap and API answer says about the demo content,
recorded in tests/data/golden/ before the read model (issue 15) and compared on every run, so a
change to how answers are built cannot change what they say unless the files are rewritten on
purpose (`UPDATE_GOLDEN=1 pytest tests/site/test_golden.py`, then review the diff in git).

The demo is loaded on a fixed clock, each editor's step an hour after the last, and with the
database's id sequences reset, so the same answers come out on every run and on SQLite and
PostgreSQL alike; what still varies per run is normalised in ``normalise`` (and only that)."""

import difflib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from articles.models import Article
from demo.content import load_demo, make_demo_renditions
from demo.stories import TOYOTA_STORY_SLUG
from newsroom.syndication.models import Partner
from tests.showcase import EXPLAINER_SLUG, WITHDRAWN_SLUG, complete_the_demo

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden"
UPDATING = os.environ.get("UPDATE_GOLDEN") == "1"
# A Monday morning after the story's facts (shared/FACTS.md), in UTC.
DEMO_STARTS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# transaction=True: the workflow's on-commit work (cache invalidation, tasks, and whatever is built
# after a commit) runs as in production. reset_sequences: ids are in API answers and URLs.
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

PAGES = {
    "home.html": "/",
    "latest.html": "/latest/",
    "section-news.html": "/section/news/",
    "section-industry.html": "/section/industry/",
    "section-reviews.html": "/section/reviews/",
    "tag-japan.html": "/tag/japan/",
    "author-walter-writer.html": "/author/walter-writer/",
    "article-toyota-story.html": f"/articles/{TOYOTA_STORY_SLUG}/",
    "article-explainer.html": f"/articles/{EXPLAINER_SLUG}/",
    "article-withdrawn.html": f"/articles/{WITHDRAWN_SLUG}/",
    "vehicle-tundra.html": "/vehicles/toyota/tundra/",
    "search-camry.html": "/search/?q=Camry",
    "feed-rss.xml": "/feed/rss/",
    "feed-atom.xml": "/feed/atom/",
    "sitemap.xml": "/sitemap.xml",
    "sitemap-news.xml": "/sitemap-news.xml",
}
API = {
    "api-articles.json": "/api/v1/articles/",
    "api-articles-ninjs.json": "/api/v1/articles/?format=ninjs",
    "api-changes.json": "/api/v1/changes/",
    "api-changes-ninjs.json": "/api/v1/changes/?format=ninjs",
}

# What may differ between two runs of the same content, each with why:
NORMALISATIONS = [
    # A form's CSRF token is new per session.
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1<csrf>"),
    # The Content-Security-Policy nonce is new per response, by design.
    (re.compile(r'( nonce=")[^"]+'), r"\1<nonce>"),
    # A problem document's request_id is the id logged for that one request.
    (re.compile(r'("request_id": ")[0-9a-f]+'), r"\1<request-id>"),
    # Media file names hold the image's content hash (12 digits for the original, 8 for each
    # rendition): the same pixels give the same hash, but JPEG encoders differ between Pillow
    # builds, and which bytes encode the demo picture is not what a page says.
    (re.compile(r"(/media/images/originals/[\w.-]*?-)[0-9a-f]{12}\."), r"\1<hash>."),
    (re.compile(r"(/media/images/renditions/\d+/)[0-9a-f]{8}-"), r"\1<hash>-"),
]


class FixedClock:
    """``timezone.now()`` for the whole test: a fixed instant that moves only when told."""

    def __init__(self, start):
        self.instant = start

    def __call__(self):
        return self.instant

    def advance(self, hours=1):
        self.instant += timedelta(hours=hours)


def normalise(text, normalisations=NORMALISATIONS):
    for pattern, replacement in normalisations:
        text = pattern.sub(replacement, text)
    return text


def recorded(response):
    """The answer as a golden file holds it: JSON indented (key order kept: it is part of the API),
    anything else as sent."""
    body = response.content.decode()
    if "json" in response["Content-Type"]:
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False) + "\n"
    return normalise(body)


@pytest.fixture
def demo_on_a_fixed_clock(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    clock = FixedClock(DEMO_STARTS)
    monkeypatch.setattr(timezone, "now", clock)
    cache.clear()
    loaded = load_demo()
    make_demo_renditions(loaded)
    complete_the_demo(between_steps=clock.advance)
    clock.advance()
    # Readers and partners come an hour after the last step; the explainer was scheduled for a day
    # after the demo was loaded but published early, so nothing goes live while they read.
    partner = Partner.objects.create(name="Golden Wheels", contact_email="golden@example.com")
    _, secret = partner.issue_key(name="golden")
    yield secret
    cache.clear()


def answers(client, secret):
    """{file name: (status, content type, recorded body)} for every answer the golden files hold."""
    out = {}
    for name, path in PAGES.items():
        response = client.get(path)
        out[name] = (response.status_code, response["Content-Type"], recorded(response))
    api = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    paths = dict(API)
    for article in Article.objects.order_by("pk"):
        paths[f"api-article-{article.slug}.json"] = f"/api/v1/articles/{article.pk}/"
        paths[f"api-article-{article.slug}-ninjs.json"] = f"/api/v1/articles/{article.pk}/?format=ninjs"
    for name, path in paths.items():
        response = client.get(path, **api)
        out[name] = (response.status_code, response["Content-Type"], recorded(response))
    return out


def test_the_demo_answers_what_the_golden_files_recorded(client, demo_on_a_fixed_clock):
    current = answers(client, demo_on_a_fixed_clock)
    index = {
        name: {"status": status, "content_type": content_type} for name, (status, content_type, _) in current.items()
    }
    index_text = json.dumps(index, indent=2, sort_keys=True) + "\n"
    files = {name: body for name, (_, _, body) in current.items()} | {"_answers.json": index_text}
    if UPDATING:
        assert connection.vendor == "sqlite", "the golden files hold SQLite's answers: record them on SQLite"
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for stale in {path.name for path in GOLDEN.iterdir()} - set(files):
            (GOLDEN / stale).unlink()
        for name, body in files.items():
            (GOLDEN / name).write_text(body)
        return
    differences = []
    for name, body in files.items():
        path = GOLDEN / name
        expected = path.read_text() if path.exists() else ""
        if body != expected:
            differences.append(
                "".join(
                    difflib.unified_diff(
                        expected.splitlines(keepends=True),
                        body.splitlines(keepends=True),
                        f"recorded/{name}",
                        f"now/{name}",
                    )
                )
            )
    missing = sorted(path.name for path in GOLDEN.iterdir() if path.name not in files)
    if missing:
        pytest.fail(f"golden files no answer produces any more: {missing} (UPDATE_GOLDEN=1 removes them)")
    if differences:
        pytest.fail(
            f"{len(differences)} answer(s) differ from tests/data/golden/ (if intended, rewrite them with "
            "UPDATE_GOLDEN=1 and review the diff):\n" + "\n".join(differences),
            pytrace=False,
        )
