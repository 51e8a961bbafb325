"""Hostile and odd URLs: a 404 (or a redirect, or a normal page), never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

HOSTILE_PATHS = [
    "/articles/%00/",
    "/articles/..%2F..%2Fetc%2Fpasswd/",
    "/articles/../../etc/passwd",
    "/articles/" + "a" * 5000 + "/",
    "/articles/caf%C3%A9/",
    "/articles/%E2%80%AE/",
    "/articles/%FF%FE/",
    "/articles/<script>/",
    "/articles/toyota'%20OR%201=1--/",
    "/section/%0d%0aSet-Cookie:x=1/",
    "/tag/%F0%9F%98%80/",
    "/author/%2e%2e/",
    "/feed/rss/?page=-1",
    "/feed/atom/?" + "x=1&" * 2000,
    "/sitemap.xml?p=%00",
    "/sitemap-news.xml?p=abc",
    "/search/?q=%00%01%02",
    "/search/?q=" + "%F0%9F%9A%97" * 2000,
    "/search/?q=a&q=b&page=1&page=2",
    "/search/?page=%00",
    "/latest/?page=%C0%AF",
    "/?page=-1",
    "/?page=abc",
    "/robots.txt?x=%00",
    "/section/industry/?page=" + "9" * 10_000,
]


def test_hostile_urls_never_500(client, newsroom):
    for path in HOSTILE_PATHS:
        response = client.get(path)
        assert response.status_code in (200, 301, 404), (path[:80], response.status_code)


def test_writes_to_public_pages_are_refused(client, newsroom):
    for path in ["/", "/articles/test-story-1/", "/search/?q=x", "/robots.txt"]:
        assert client.post(path).status_code in (403, 405)
    assert client.head("/articles/test-story-1/").status_code == 200


@given(slug=st.text(max_size=80))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_article_slug_is_answered(client, newsroom, slug):
    from urllib.parse import quote

    response = client.get(f"/articles/{quote(slug, safe='')}/")
    assert response.status_code in (200, 301, 404, 410)


def test_a_cached_page_is_never_answered_to_an_unknown_host(client, newsroom, settings):
    settings.SITE_URL = "https://news.example.com"
    assert client.get("/").status_code == 200  # now in the page cache
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", HTTP_X_FORWARDED_HOST="evil.example", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def test_absolute_urls_come_from_the_site_url_not_the_request(client, demo, settings):
    """A page cached for everybody must not carry the host one reader's request named."""
    settings.SITE_URL = "https://news.example.com"
    tundra = demo["vehicles"]["tundra"]
    for page in [tundra.get_absolute_url(), demo["articles"]["published"].get_absolute_url(), "/", "/vehicles/"]:
        html = client.get(page, headers={"Host": "localhost"}).text
        assert "http://localhost" not in html, page
        assert "http://testserver" not in html, page
    vehicle = client.get(tundra.get_absolute_url(), headers={"Host": "localhost"}).text
    assert f'<link rel="canonical" href="https://news.example.com{tundra.get_absolute_url()}">' in vehicle
