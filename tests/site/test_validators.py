"""Third-party validators over every public page type and feed, with the demo content: the Nu HTML
Checker (zero errors), feedparser (well-formed feeds whose entries have a title, link, dates and
author) and the structured data search engines read (NewsArticle, Car). axe-core runs in the
browser tests (tests/browser/test_reader.py) at phone and desktop widths over the same page types,
with the same content (tests/showcase.py)."""

import json
import re
import subprocess

import feedparser
import pytest

from articles.models import Section
from demo.stories import TOYOTA_STORY_SLUG
from tests.showcase import WITHDRAWN_SLUG, complete_the_demo
from tests.tools import JAVA, VNU, require_html_checker

pytestmark = pytest.mark.django_db

PAGES = {
    "home": ("/", 200),
    "latest": ("/latest/", 200),
    "section": ("/section/industry/", 200),
    "tag": ("/tag/toyota/", 200),
    "author": ("/author/walter-writer/", 200),
    "article": (f"/articles/{TOYOTA_STORY_SLUG}/", 200),
    "withdrawn": (f"/articles/{WITHDRAWN_SLUG}/", 410),
    "vehicle-list": ("/vehicles/", 200),
    "vehicle": ("/vehicles/toyota/tundra/", 200),
    "search": ("/search/?q=Highlander", 200),
    "not-found": ("/articles/no-such-story/", 404),
}
JSON_LD = re.compile(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', re.S)


@pytest.fixture
def showcase(demo):
    complete_the_demo()
    return demo


def public_pages(client):
    """{name: HTML} for every page type, each answered with its expected status."""
    pages = {}
    for name, (path, status) in PAGES.items():
        response = client.get(path)
        assert response.status_code == status, name
        pages[name] = response.content.decode()
    return pages


def test_the_showcase_fills_every_part_of_an_article_page(client, showcase):
    html = public_pages(client)["article"]
    assert 'class="corrections"' in html
    assert 'class="lead-image"' in html
    assert 'class="vehicles-box"' in html
    assert 'class="tags"' in html
    assert 'class="related"' in html


def nu_html_checker_errors(files):
    """The Nu HTML Checker's errors over ``files``, in one run of the JVM: [(file name, line, message, extract)]."""
    result = subprocess.run(
        [str(JAVA), "-Xss4m", "-jar", str(VNU), "--format", "json", "--errors-only", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if not result.stdout.strip():
        raise AssertionError(f"the Nu HTML Checker gave no report (exit {result.returncode}): {result.stderr[-2000:]}")
    return [
        (message.get("url", "").rsplit("/", 1)[-1], message.get("lastLine"), message["message"], message.get("extract"))
        for message in json.loads(result.stdout)["messages"]
        if message["type"] in ("error", "non-document-error")
    ]


def test_every_public_page_passes_the_nu_html_checker(client, showcase, tmp_path):
    require_html_checker()
    files = []
    for name, html in public_pages(client).items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(html, encoding="utf-8")
    errors = nu_html_checker_errors(files)
    assert not errors, "\n".join(f"{page}:{line}: {message} in {extract!r}" for page, line, message, extract in errors)


def json_ld_blocks(html):
    return [json.loads(block) for block in JSON_LD.findall(html)]


def test_structured_data_carries_what_search_engines_ask_for(client, showcase):
    blocks = {name: json_ld_blocks(html) for name, html in public_pages(client).items()}
    types = {name: [block["@type"] for block in found] for name, found in blocks.items()}
    assert types["article"] == ["NewsArticle"]
    assert types["vehicle"] == ["Car"]
    for name, found in blocks.items():
        for block in found:
            assert block["@context"] == "https://schema.org", name
            check = {"NewsArticle": news_article_problems, "Car": car_problems}[block["@type"]]
            assert not check(block), f"{name}: {check(block)}"


def _absolute(url):
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def _iso_datetime(text):
    # ISO 8601 with a time zone, as Google's structured data guidelines ask.
    return isinstance(text, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)", text
    )


def news_article_problems(data):
    """What Google's Article structured data requires or recommends, missing from ``data``."""
    problems = []
    if not data.get("headline") or len(data["headline"]) > 110:
        problems.append("headline (1-110 characters)")
    if not data.get("image") or not all(_absolute(url) for url in data["image"]):
        problems.append("image (absolute URLs)")
    for field in ("datePublished", "dateModified"):
        if not _iso_datetime(data.get(field)):
            problems.append(f"{field} (ISO 8601 with a time zone): {data.get(field)!r}")
    authors = data.get("author") or []
    if not authors or not all(author.get("name") and _absolute(author.get("url")) for author in authors):
        problems.append("author (each with name and url)")
    publisher = data.get("publisher") or {}
    logo = publisher.get("logo") or {}
    if not publisher.get("name") or not _absolute(publisher.get("url")):
        problems.append("publisher name and url")
    if logo.get("@type") != "ImageObject" or not _absolute(logo.get("url")):
        problems.append("publisher logo (an ImageObject with an absolute url)")
    if not _absolute(data.get("mainEntityOfPage")):
        problems.append("mainEntityOfPage")
    return problems


def car_problems(data):
    """What schema.org/Car and Google's vehicle guidance ask of a model page, missing from ``data``.
    (Google's vehicle listing rich result is for cars on sale with a price and a VIN; a model page
    carries the identification and specification properties it shares with that guidance.)"""
    problems = []
    for field in ("name", "model", "bodyType", "vehicleModelDate"):
        if not data.get(field):
            problems.append(field)
    if not _absolute(data.get("url")):
        problems.append("url")
    if not (data.get("brand") or {}).get("name"):
        problems.append("brand name")
    manufacturers = data.get("manufacturer")
    manufacturers = manufacturers if isinstance(manufacturers, list) else [manufacturers] if manufacturers else []
    if not manufacturers or not all(manufacturer.get("name") for manufacturer in manufacturers):
        problems.append("manufacturer (the demo's vehicles have one)")
    if not re.fullmatch(r"\d{4}", str(data.get("vehicleModelDate", ""))):
        problems.append("vehicleModelDate (a year)")
    engines = data.get("vehicleEngine") or []
    if not engines or not all(engine.get("enginePower", {}).get("unitCode") for engine in engines):
        problems.append("vehicleEngine with enginePower and its unit")
    return problems


def feed_paths():
    paths = ["/feed/rss/", "/feed/atom/"]
    for slug in Section.objects.values_list("slug", flat=True):
        paths += [f"/section/{slug}/feed/rss/", f"/section/{slug}/feed/atom/"]
    return paths


def test_every_feed_is_well_formed_with_complete_entries(client, showcase):
    entries_seen = 0
    for path in feed_paths():
        response = client.get(path)
        assert response.status_code == 200, path
        feed = feedparser.parse(response.content)
        assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
        assert feed.feed.get("title") and feed.feed.get("link"), path
        atom = "atom" in path
        for entry in feed.entries:
            entries_seen += 1
            missing = [field for field in ("title", "link", "author", "published_parsed") if not entry.get(field)]
            if atom and not entry.get("updated_parsed"):
                missing.append("updated_parsed")  # RSS 2.0 items have no updated date; Atom entries must
            assert not missing, f"{path}: {entry.get('title')!r} has no {', '.join(missing)}"
            assert entry.link.startswith("http"), path
    assert entries_seen >= 4, "the feeds should show the demo's live stories"


def test_card_images_are_sized_for_their_slot(client, showcase):
    """Related-story cards fill about 17rem (a quarter of the page) on a desktop and half or all of
    a narrower screen: their srcset stops at 640 px (a 320 px slot at twice the pixel density),
    where the article's own picture offers up to 1600 px."""
    html = public_pages(client)["article"]
    related = html[html.index('class="related"') :]
    widths = [int(width) for width in re.findall(r" (\d+)w", related)]
    assert widths and max(widths) == 640, widths
    assert 'sizes="(min-width: 60rem) 17rem, (min-width: 40rem) 50vw, 100vw"' in related
    assert re.search(r'<img src="[^"]*640[^"]*"[^>]* width="640"', related)
    lead = html[html.index('class="lead-image"') : html.index("</figure>")]
    assert max(int(width) for width in re.findall(r" (\d+)w", lead)) == 1600


TIME_ELEMENT = re.compile(r'<time datetime="([^"]*)">([^<]*)</time>')
MACHINE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\d{4}(-\d\d(-\d\d)?)?")
# The reader's style (newsroom.core.dates): "6 Dec 2026, 09:05 UTC", "6 Dec 2026", "Dec 2026", "2026".
READER_TIME = re.compile(r"(\d{1,2} )?([A-Z][a-z]{2} )?\d{4}(, \d\d:\d\d [A-Z]{3,4})?")


def test_every_date_reads_one_way_with_a_machine_readable_twin(client, showcase):
    seen = set()
    for name, html in public_pages(client).items():
        for machine, shown in TIME_ELEMENT.findall(html):
            assert MACHINE_TIME.fullmatch(machine), f"{name}: datetime={machine!r}"
            assert READER_TIME.fullmatch(shown), f"{name}: {shown!r}"
            seen.add(name)
    # Cards, the article's dates and corrections, the vehicle's launches and related articles.
    assert {"home", "section", "article", "vehicle", "search"} <= seen


def test_every_page_has_the_navigation_and_its_sharing_metadata(client, showcase):
    for name, html in public_pages(client).items():
        navigation = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
        assert all(f'href="/section/{slug}/"' in navigation for slug in ("news", "industry", "reviews")), name
        if name in ("withdrawn", "not-found"):
            continue
        assert '<link rel="canonical" href="http' in html, name
        if name != "search":  # not for indexing (noindex)
            assert '<meta property="og:title"' in html, name
            assert '<meta property="og:url" content="http' in html, name


def test_the_publisher_logo_is_a_square_image_search_engines_accept():
    from django.contrib.staticfiles import finders
    from PIL import Image

    from articles.jsonld import PUBLISHER_LOGO, PUBLISHER_LOGO_SIZE

    with Image.open(finders.find(PUBLISHER_LOGO)) as logo:
        assert logo.size == (PUBLISHER_LOGO_SIZE, PUBLISHER_LOGO_SIZE)
        assert logo.width >= 112  # Google's minimum for a logo
