"""A reader in Chromium: home → article → vehicle → search → feed, with axe-core at phone and
desktop widths and screenshots on every page type, over the demo content completed as the
validators see it (tests/showcase.py: a correction, a related story, a withdrawn article)."""

import pytest

from tests.browser.conftest import WIDTHS, check_accessibility, screenshots
from tests.showcase import WITHDRAWN_SLUG, complete_the_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
STORY_HEADLINE = "Toyota to sell US-built Camry, Highlander and Tundra in Japan from 2026"


def test_reader_journey_and_every_page_type(page, site):
    """home → article → vehicle → search → feed, then every other page type and the skip link."""
    complete_the_demo()
    response = page.goto(site + "/")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    check_accessibility(page, "home")
    screenshots(page, "home")

    page.get_by_role("link", name=STORY_HEADLINE).first.click()
    page.wait_for_url("**/articles/toyota-to-sell-us-built-camry-highlander-and-tundra-in-japan/")
    assert page.locator("h1").inner_text() == STORY_HEADLINE
    lead = page.locator(".lead-image img")
    assert lead.evaluate("img => img.complete && img.naturalWidth > 0"), "the lead image did not load"
    assert page.locator("script[type='application/ld+json']").count() == 1
    check_accessibility(page, "article")
    screenshots(page, "article")

    page.locator(".vehicles-box").get_by_role("link", name="Toyota Tundra").click()
    page.wait_for_url("**/vehicles/toyota/tundra/")
    assert "San Antonio" in page.content()
    check_accessibility(page, "vehicle")
    check_spec_tables_scroll_by_keyboard(page)
    screenshots(page, "vehicle")

    page.get_by_role("search", name="Site").get_by_label("Search articles").fill("Highlander")
    page.get_by_role("search", name="Site").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=Highlander")
    assert page.get_by_role("link", name=STORY_HEADLINE).count() == 1
    assert page.locator("mark").count() >= 1
    check_accessibility(page, "search")
    screenshots(page, "search")

    page.get_by_role("contentinfo").get_by_role("link", name="RSS feed").click()
    assert "<rss" in page.content() or STORY_HEADLINE in page.content()

    # One browser session for the rest too: each test pays for a fresh database and renditions.
    check_every_other_page_type(page, site)


OTHER_PAGE_TYPES = [
    ("section", "/section/industry/", 200),
    ("tag", "/tag/toyota/", 200),
    ("author", "/author/walter-writer/", 200),
    ("latest", "/latest/", 200),
    ("vehicles", "/vehicles/", 200),
    ("withdrawn", f"/articles/{WITHDRAWN_SLUG}/", 410),
    ("not-found", "/articles/no-such-story/", 404),
]


def check_every_other_page_type(page, site):
    for name, path, status in OTHER_PAGE_TYPES:
        response = page.goto(site + path)
        assert response.status == status, name
        assert page.locator("h1").count() == 1, name
        check_accessibility(page, name)
        screenshots(page, name)

    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("link => link === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the skip link must become visible when focused"
    assert skip.evaluate("link => getComputedStyle(link).outlineStyle") != "none"


def check_spec_tables_scroll_by_keyboard(page):
    """At phone width the spec tables are wider than the screen: their scroll region takes keyboard
    focus, is named, says that it scrolls, and scrolls with the arrow keys."""
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    region = page.get_by_role("region", name="Model years table")
    assert region.evaluate("box => box.scrollWidth > box.clientWidth"), "the table fits: nothing to check"
    assert page.locator("#model-years-hint").is_visible()
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle())
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    assert not page.locator("#model-years-hint").is_visible()
