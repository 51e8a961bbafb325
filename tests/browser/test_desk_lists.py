"""The desk's lists and forms in Chromium, at desktop and phone widths: the article list keeps
headlines to two lines and says each status in words, no admin page here scrolls sideways on a
phone, the vehicle form's inlines fit the page, and the 410 page names the withdrawn story."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Article, Author, Byline, Section
from articles.services import save_article
from newsroom.media.models import Image
from tests.browser.conftest import WIDTHS, check_accessibility, page_scrolls_sideways, screenshots
from tests.conftest import PASSWORD
from tests.showcase import WITHDRAWN_SLUG, complete_the_demo
from vehicles.models import VehicleModel

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LONG_HEADLINES = {
    "draft": "Toyota weighs a Kentucky-built Camry hybrid for buyers in Japan as the yen slides against the dollar",
    "in_review": "Highlander shipments to Yokohama begin in spring, with right-hand drive built in Indiana",
    "approved": "Dealers in Osaka say the Tundra's size will limit sales to a few thousand a year",
    "scheduled": "What the US-Japan trade deal means for the price of an imported pickup truck in Tokyo",
    "scheduled_now_live": "Camry returns to Japan: first cars leave Georgetown for the port of Baltimore today",
}


def sign_in(page, site, user):
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def make_desk_articles(editor):
    """One article in each state the list tells apart, with headlines long enough to wrap."""
    complete_the_demo()
    section = Section.objects.get(slug="news")
    image = Image.objects.first()
    author, _ = Author.objects.get_or_create(slug="eddie", defaults={"name": "Eddie Editor", "user": editor})
    made = {}
    for state, headline in LONG_HEADLINES.items():
        article = Article(
            headline=headline, standfirst="A summary.", body="<p>Text.</p>", section=section, lead_image=image
        )
        save_article(
            article,
            editor,
            message="First draft",
            save_related=lambda a=article: Byline.objects.create(article=a, author=author),
        )
        if state != "draft":
            workflow.submit(article, editor)
        if state not in ("draft", "in_review"):
            workflow.approve(article, editor)
        if state.startswith("scheduled"):
            workflow.schedule(article, editor, timezone.now() + timedelta(hours=3))
        if state == "scheduled_now_live":  # its minute has passed: readers see it, no worker ran
            Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - timedelta(minutes=5))
        made[state] = article
    return made


def headline_line_counts(page):
    """How many lines each headline in the list takes: its height over its line height."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#result_list .article-headline')].map(el => {
            const lineHeight = parseFloat(getComputedStyle(el).lineHeight);
            return Math.round(el.getBoundingClientRect().height / lineHeight);
        })"""
    )


def test_the_article_list_reads_well_at_desktop_and_phone_widths(page, site, editor):
    made = make_desk_articles(editor)
    sign_in(page, site, editor)
    page.goto(site + "/admin/articles/article/")
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        counts = headline_line_counts(page)
        assert counts and max(counts) <= 2, f"headline line counts at {width} px: {counts}"
        assert not (wide := page_scrolls_sideways(page)), f"the article list scrolls sideways at {width} px: {wide}"
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})

    row = page.locator("#result_list tr", has_text=LONG_HEADLINES["scheduled_now_live"])
    assert row.locator(".article-status").inner_text().strip().endswith("Live")
    row = page.locator("#result_list tr", has_text=LONG_HEADLINES["scheduled"])
    assert "Scheduled for" in row.locator(".article-status").inner_text()
    assert page.locator("#result_list tr", has_text=LONG_HEADLINES["draft"]).locator("img.article-thumb").count() == 1
    check_accessibility(page, "article list")
    screenshots(page, "desk-article-list")

    page.get_by_role("navigation", name="Quick filters").get_by_role("link", name="Waiting for review").click()
    page.wait_for_url("**show=in_review**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and LONG_HEADLINES["in_review"] in rows.first.inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Show all").click()
    assert page.locator("#result_list tbody tr").count() == Article.objects.count()

    # The article form: a wide headline box, a body to write in, nothing sideways on a phone.
    page.goto(site + f"/admin/articles/article/{made['draft'].pk}/change/")
    assert page.locator("#id_headline").bounding_box()["width"] >= 600
    assert page.locator(".field-body .ProseMirror[contenteditable=true]").bounding_box()["height"] >= 200
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    assert not (wide := page_scrolls_sideways(page)), f"the article form scrolls sideways on a phone: {wide}"
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    check_accessibility(page, "article form")
    screenshots(page, "desk-article-form")


def test_the_vehicle_form_fits_the_page_and_says_when_powertrains_can_be_chosen(page, site, editor):
    sign_in(page, site, editor)
    tundra = VehicleModel.objects.get(slug="tundra")
    page.goto(site + f"/admin/vehicles/vehiclemodel/{tundra.pk}/change/")
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        assert not (wide := page_scrolls_sideways(page)), f"the vehicle form scrolls sideways at {width} px: {wide}"
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    # At 1280 px the model years' table fits its box too: nothing to scroll, even inside the form.
    assert page.locator("#model_years-group .wrapper").evaluate("box => box.scrollWidth <= box.clientWidth")
    check_accessibility(page, "vehicle form")
    screenshots(page, "desk-vehicle-form")

    page.goto(site + "/admin/vehicles/vehiclemodel/add/")
    assert "Save the vehicle first" in page.locator(".model-year-note").inner_text()
    assert page.locator("#model_years-group th", has_text="Powertrain").count() == 0
    assert not page_scrolls_sideways(page)
    screenshots(page, "desk-vehicle-add-form")


def test_the_410_page_names_the_story_when_and_why(page, site):
    complete_the_demo()
    withdrawn = Article.objects.get(slug=WITHDRAWN_SLUG)
    response = page.goto(site + f"/articles/{WITHDRAWN_SLUG}/")
    assert response.status == 410
    text = page.locator("main").inner_text()
    assert withdrawn.headline in text and withdrawn.withdrawal_reason in text
    assert page.locator("main time").get_attribute("datetime").startswith(f"{withdrawn.withdrawn_at:%Y-%m-%d}")
    assert not page_scrolls_sideways(page)
    check_accessibility(page, "410 page")
    screenshots(page, "desk-withdrawn")
