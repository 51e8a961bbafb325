"""An editor plans in Chromium: the planning calendar shows a story scheduled late in the
evening on its local day (though it is the next day in UTC), the editor moves it with the
entry's own form, and it moves; week and month, at desktop and phone widths, pass axe-core."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles import workflow
from articles.models import Article, Byline, Section, Transition
from articles.services import save_article
from newsroom.media.models import Image
from tests.browser.conftest import SCREENSHOTS, WIDTHS, check_accessibility, screenshots
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ZONE = "America/New_York"  # behind UTC: 23:30 there is already tomorrow in UTC

PLAN = [  # (days ahead, local time, section slug, headline)
    (1, time(7, 0), "news", "Toyota confirms the Camry's return to Japan for spring"),
    (1, time(16, 30), "reviews", "Driven: the Kentucky-built Camry on Japanese roads"),
    (2, time(6, 0), "industry", "Georgetown adds a shift as export orders climb"),
    (4, time(12, 15), "news", "Dealers in Osaka take first Camry deposits"),
]


def _scheduled(editor, headline, section, at):
    article = Article(
        headline=headline,
        standfirst="What changes for buyers, and when.",
        body="<p>The Camry is built in Georgetown, Kentucky.</p>",
        section=section,
        lead_image=Image.objects.get(title="Demo: a road at dusk"),
    )
    author = editor.author if hasattr(editor, "author") else None
    save_article(
        article,
        editor,
        message="First draft",
        save_related=lambda: author and Byline.objects.create(article=article, author=author),
    )
    workflow.submit(article, editor)
    workflow.approve(article, editor)
    return workflow.schedule(article, editor, at)


def _cell(page, day):
    return page.locator(f"td:has(h2 time[datetime='{day:%Y-%m-%d}'])")


def _fits_the_phone(page):
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    return width <= WIDTHS["phone"]


def test_an_editor_finds_a_story_on_its_local_day_and_moves_it(page, site, editor, settings):
    settings.TIME_ZONE = ZONE
    zone = ZoneInfo(ZONE)
    today = timezone.localdate()
    # Late on a weekday of next week, so the move to the next evening stays in the same week.
    day = today + timedelta(days=7 - today.weekday() + 1)
    sections = {section.slug: section for section in Section.objects.all()}
    late = _scheduled(
        editor, "Camry order books open at midnight", sections["news"], datetime.combine(day, time(23, 30), tzinfo=zone)
    )
    for ahead, at, slug, headline in PLAN:
        _scheduled(editor, headline, sections[slug], datetime.combine(day + timedelta(days=ahead - 1), at, tzinfo=zone))

    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Planning calendar").first.click()
    page.get_by_role("link", name="Next week").click()

    entry = _cell(page, day).locator("li", has_text=late.headline)
    expect(entry).to_contain_text("23:30")
    expect(entry).to_contain_text("(04:30 UTC)")  # the next day in UTC; here, on its local day
    assert _cell(page, day + timedelta(days=1)).locator("li", has_text=late.headline).count() == 0
    check_accessibility(page, "calendar, week")
    assert _fits_the_phone(page)
    screenshots(page, "calendar-week")

    entry.locator("summary").click()
    entry.get_by_label("New date").fill(f"{day + timedelta(days=1):%Y-%m-%d}")
    entry.get_by_label(f"Time ({ZONE})").fill("18:15")
    page.screenshot(path=str(SCREENSHOTS / "calendar-move-desktop-1280.png"))
    entry.get_by_role("button", name="Move").click()

    expect(page.locator(".messagelist")).to_contain_text(f"“{late.headline}” now goes live")
    moved = _cell(page, day + timedelta(days=1)).locator("li", has_text=late.headline)
    expect(moved).to_contain_text("18:15")
    assert _cell(page, day).locator("li", has_text=late.headline).count() == 0
    assert list(Transition.objects.filter(article=late).values_list("action", flat=True)[:2]) == [
        "schedule",
        "unschedule",
    ]

    page.get_by_role("link", name="Month", exact=True).click()
    expect(page.locator(".planning-grid caption")).to_contain_text(f"{day + timedelta(days=1):%B %Y}")
    check_accessibility(page, "calendar, month")
    assert _fits_the_phone(page)
    screenshots(page, "calendar-month")

    page.get_by_label("Section").select_option(label="Reviews")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".planning-entry")).to_have_count(1)
    expect(page.locator(".planning-entry")).to_contain_text("Driven: the Kentucky-built Camry")
