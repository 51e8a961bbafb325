"""What readers see on each page type, and what search engines read from it."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Author, Byline, Section, Tag
from articles.presentation import NavSections, nav_sections, sections_from
from tests.site.conftest import TOYOTA_SLUG, rebuilt

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client(db):
    from django.test import Client

    from tests.syndication.conftest import ApiClient, make_partner

    return ApiClient(Client(), make_partner().issue_key()[1])


class PageParser(HTMLParser):
    """Collects what the tests check: h1 count, meta tags, JSON-LD, links, images without alt."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.meta = {}
        self.json_ld = []
        self.links = {}
        self.images_without_alt = 0
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.setdefault(attrs.get("property") or attrs.get("name"), attrs.get("content"))
        elif tag == "link" and "rel" in attrs:
            self.links.setdefault(attrs["rel"], attrs.get("href"))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
        elif tag == "img" and "alt" not in attrs:
            self.images_without_alt += 1

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False


def parse(response):
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


def test_home_shows_lead_story_and_sections_but_nothing_unpublished(client, newsroom):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Toyota to sell US-built Camry" in html
    assert "card--lead" in html
    assert 'id="section-industry"' in html
    assert "Secret draft" not in html
    assert "Scheduled story for next week" not in html
    page = parse(response)
    assert page.h1 == 1
    assert page.images_without_alt == 0
    assert page.links["canonical"] == "http://127.0.0.1:8000/"


def test_article_page_has_everything_a_reader_expects(client, newsroom, editor):
    from articles import workflow

    story = newsroom["story"]
    three_hours_ago = timezone.now() - timedelta(hours=3)
    type(story).objects.filter(pk=story.pk).update(
        publish_at=three_hours_ago, first_published_at=three_hours_ago, last_published_at=three_hours_ago
    )
    story.refresh_from_db()
    workflow.correct(story, editor, "An earlier version gave the wrong plant for the Camry.")
    response = client.get(f"/articles/{TOYOTA_SLUG}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert story.headline in html
    assert story.standfirst in html
    assert (
        'By <a href="/author/walter-writer/">Walter Writer</a> and <a href="/author/erika-editor/">Erika Editor</a>'
        in html
    )
    assert "Published <time" in html and "Updated <time" in html
    assert "An earlier version gave the wrong plant for the Camry." in html
    assert "<figcaption>Illustration drawn for the demo content." in html
    assert "Photo: Newsroom demo" in html
    assert 'srcset="' in html and 'sizes="' in html
    assert "Three familiar names" in html  # the body
    # The vehicles box: key specs in both unit systems and the Japan launch.
    assert "Vehicles in this story" in html
    assert "Toyota Tundra" in html and "San Antonio" in html and "2026" in html
    assert re.search(r"\d+(\.\d)? kW \(\d+ hp\)", html)
    assert 'href="/vehicles/toyota/tundra/"' in html
    assert "Related stories" in html
    page = parse(response)
    assert page.h1 == 1
    assert page.images_without_alt == 0
    assert page.links["canonical"] == f"http://127.0.0.1:8000/articles/{TOYOTA_SLUG}/"
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] == story.headline
    assert (
        page.meta["og:image"].startswith("http://127.0.0.1:8000/media/") and "fill-16x9-1200" in page.meta["og:image"]
    )
    assert page.meta["twitter:card"] == "summary_large_image"
    [data] = page.json_ld
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == story.headline
    assert [author["name"] for author in data["author"]] == ["Walter Writer", "Erika Editor"]
    assert data["datePublished"] < data["dateModified"]
    assert data["image"][0] == page.meta["og:image"]
    assert data["publisher"]["name"] == "Newsroom"


def test_json_ld_cannot_be_broken_out_of_by_a_headline(client, newsroom):
    story = newsroom["articles"][0]
    type(story).objects.filter(pk=story.pk).update(headline="</script><script>alert(1)</script> & more")
    rebuilt(story)
    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    [data] = parse(response).json_ld
    assert data["headline"] == "</script><script>alert(1)</script> & more"


def test_template_renders_for_the_admin_preview_with_only_the_article(newsroom):
    request = RequestFactory().get("/preview/")
    html = render_to_string("articles/article_detail.html", {"article": newsroom["story"]}, request=request)
    assert newsroom["story"].headline in html
    assert "Walter Writer" in html


def test_article_page_context_serves_drafts_for_the_preview(newsroom, django_assert_max_num_queries):
    from articles.views import article_page_context

    context = article_page_context(newsroom["draft"])
    assert [tag.name for tag in context["tags"]] == [tag.name for tag in newsroom["tags"]]
    assert json.loads(context["json_ld"])["headline"] == "Secret draft about the Tundra"


def test_list_pages_show_live_articles_only(client, newsroom):
    pages = {"/section/industry/": "Industry", "/tag/toyota/": "Toyota", "/author/author-1/": "Author 1"}
    pages["/latest/"] = "Latest news"
    for url, title in pages.items():
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert f"<h1>{title}</h1>" in html
        assert "Test story number 0 about cars" in html
        assert "Secret draft" not in html
        assert "Scheduled story for next week" not in html
        assert parse(response).h1 == 1


def test_tag_and_author_pages_answer_only_once_a_live_article_uses_them(client, newsroom, api_client):
    """Else a tag or byline made for a draft would put unreviewed text on a public page."""
    tag = Tag.objects.create(name="Unreviewed words", slug="unreviewed")
    author = Author.objects.create(name="Not Yet Published", slug="not-yet", bio="Unreviewed bio.")
    for article in (newsroom["draft"], newsroom["future"]):
        article.tags.add(tag)
        Byline.objects.create(article=article, author=author)
    pages = ("/tag/unreviewed/", "/author/not-yet/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Unreviewed" not in response.content.decode()
    assert api_client.get("/api/v1/tags/unreviewed/").status_code == 404  # the same rule

    story = newsroom["story"]
    story.tags.add(tag)
    Byline.objects.create(article=story, author=author, position=9)
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert api_client.get("/api/v1/tags/unreviewed/").status_code == 200


def test_section_page_links_its_own_feeds(client, newsroom):
    html = client.get("/section/industry/").content.decode()
    assert 'href="/section/industry/feed/rss/"' in html
    assert 'href="/section/industry/feed/atom/"' in html


def test_pagination_moves_through_older_articles(client, newsroom, settings, monkeypatch):
    monkeypatch.setattr("articles.views.PAGE_SIZE", 4)
    first = client.get("/section/industry/")
    assert 'rel="next" href="/section/industry/?page=2"' in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()
    third = client.get("/section/industry/?page=3")
    assert third.status_code == 200
    assert "Page 3 of 3" in third.content.decode()
    assert 'rel="prev" href="/section/industry/?page=2"' in third.content.decode()
    assert parse(third).links["canonical"] == "http://127.0.0.1:8000/section/industry/?page=3"


BAD_PAGES = ["-1", "0", "999999", "abc", "1.5", "", "%00", "1e3", "9" * 400]
LISTS = ["/latest/", "/section/industry/", "/tag/toyota/", "/author/author-1/"]


def test_bad_page_numbers_are_404(client, newsroom):
    for url in LISTS:
        for page in BAD_PAGES:
            response = client.get(f"{url}?page={page}")
            assert response.status_code == 404, (url, page)
            assert "We could not find that page" in response.content.decode()


def test_search_page_numbers_are_checked_too(client, newsroom):
    assert client.get("/search/?q=story&page=999999").status_code == 404
    assert client.get("/search/?q=story&page=abc").status_code == 404


def test_unknown_slugs_are_404(client, newsroom):
    for url in ["/section/nope/", "/tag/nope/", "/author/nope/", "/articles/nope/", "/section/nope/feed/rss/"]:
        assert client.get(url).status_code == 404, url


def test_error_pages_are_styled(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert 'href="/static/css/site.css"' in response.content.decode()
    html = render_to_string("500.html")
    assert "Something went wrong" in html and "/static/css/site.css" in html


def test_robots_txt_points_to_the_sitemaps(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in body
    assert "Sitemap: http://127.0.0.1:8000/sitemap-news.xml" in body
    assert "Disallow: /admin/" in body


def test_the_sections_a_page_reads_beside_its_rows_are_the_navigations(db):
    # Ties of position are ordered by name (Section.Meta.ordering), and the ids in neither order.
    Section.objects.create(name="Zeta", slug="zeta", position=1, description="Last <b>by</b> name")
    Section.objects.create(name="Alpha", slug="alpha", position=1)
    Section.objects.create(name="First", slug="first", position=0)
    tag = Tag.objects.create(name="Any row", slug="any-row")  # a page's read selects them beside its rows
    read = Tag.objects.filter(pk=tag.pk).annotate(nav=NavSections()).values_list("nav", flat=True)
    fields = ["pk", "name", "slug", "description", "position"]
    as_read = [[getattr(section, name) for name in fields] for section in sections_from(read.get())]
    assert as_read == [[getattr(section, name) for name in fields] for section in nav_sections()]
    assert [name for _, name, *_ in as_read] == ["First", "Alpha", "Zeta"]
    Section.objects.all().delete()
    assert sections_from(read.get()) == []
