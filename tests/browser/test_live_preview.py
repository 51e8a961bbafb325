"""The change form's side-by-side preview in Chromium: an editor types, and a moment later the
frame beside the form shows the page readers would see, at phone or desktop width; nothing is
saved. Screenshots of it at both widths go to var/screenshots/live-preview-*."""

import pytest
from playwright.sync_api import expect

from articles.models import Article, Revision
from tests.browser.conftest import WIDTHS, check_accessibility, screenshots
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(page, site, user):
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def preview_frame(page):
    return page.frame_locator(".live-preview-frame")


def frame_box(page):
    """The frame's own width and the scale it is shown at."""
    return page.eval_on_selector(
        ".live-preview-frame",
        "frame => ({width: frame.offsetWidth, scale: frame.getBoundingClientRect().width / frame.offsetWidth})",
    )


@pytest.fixture
def strict_page(browser, site):
    """A page under the site's own content security policy (the ``page`` fixture bypasses it to
    inject axe-core): the preview must work under it."""
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_preview_follows_the_text_as_it_is_typed_and_saves_nothing(strict_page, site, editor):
    page = strict_page
    article = Article.objects.live().order_by("pk").first()
    stored = (article.headline, article.version, Revision.objects.count())
    sign_in(page, site, editor)
    page.goto(f"{site}/admin/articles/article/{article.pk}/change/")

    toggle = page.get_by_role("button", name="Live preview")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    frame = preview_frame(page)
    expect(frame.locator("h1.story-headline")).to_have_text(article.headline)
    expect(page.locator(".live-preview-status")).to_have_text("Up to date.")

    # Scrolled down to read the body, the reader stays there as the text changes.
    page.eval_on_selector(".live-preview-frame", "frame => frame.contentWindow.scrollTo(0, 300)")
    headline = page.locator("#id_headline")
    headline.click()
    headline.press("End")
    headline.press_sequentially(" (updated)", delay=40)
    expect(frame.locator("h1.story-headline")).to_have_text(article.headline + " (updated)")
    assert page.eval_on_selector(".live-preview-frame", "frame => frame.contentWindow.scrollY") == 300

    body = page.locator(".ProseMirror[contenteditable=true]").first
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Deliveries start in spring.", delay=20)
    expect(frame.locator(".story-body")).to_contain_text("Deliveries start in spring.")
    expect(page.locator(".live-preview-status")).to_have_text("Up to date.")

    # Phone width by default, the reader's 1280 px scaled to fit the panel on asking.
    assert frame_box(page) == {"width": 375, "scale": 1}
    page.get_by_role("button", name="Desktop").click()
    expect(page.get_by_role("button", name="Desktop")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Phone")).to_have_attribute("aria-pressed", "false")
    desktop = frame_box(page)
    assert desktop["width"] == 1280 and 0.2 < desktop["scale"] < 1
    expect(frame.locator("h1.story-headline")).to_have_text(article.headline + " (updated)")

    # A form that would not save says why, and the last good preview stays.
    headline.fill("")
    expect(page.locator(".live-preview-status")).to_have_text(
        "Preview could not be updated: Headline: This field is required."
    )
    expect(frame.locator("h1.story-headline")).to_have_text(article.headline + " (updated)")

    article.refresh_from_db()
    assert (article.headline, article.version, Revision.objects.count()) == stored
    page.goto(site + article.get_absolute_url())
    expect(page.locator("h1")).to_have_text(article.headline)


def test_a_new_article_is_previewed_at_phone_and_desktop_widths(page, site, editor):
    sign_in(page, site, editor)
    page.goto(site + "/admin/articles/article/add/")
    page.get_by_role("button", name="Live preview").click()
    frame = preview_frame(page)
    page.fill("#id_headline", "Toyota to build a third plant in Kentucky")
    page.fill("#id_standfirst", "The plant would make batteries for the hybrid Camry and RAV4.")
    page.locator(".ProseMirror[contenteditable=true]").first.click()
    page.keyboard.type("Georgetown already builds half a million cars a year.", delay=10)
    page.select_option("#id_section", label="News")
    expect(frame.locator("h1.story-headline")).to_have_text("Toyota to build a third plant in Kentucky")
    expect(frame.locator(".story-body")).to_contain_text("half a million cars")
    expect(frame.locator(".kicker")).to_have_text("News")
    assert Article.objects.filter(headline__startswith="Toyota to build").count() == 0

    check_accessibility(page, "add form with the live preview")
    screenshots(page, "live-preview-phone-width")
    page.get_by_role("button", name="Desktop").click()
    expect(page.get_by_role("button", name="Desktop")).to_have_attribute("aria-pressed", "true")
    screenshots(page, "live-preview-desktop-width")

    # On a phone the preview takes the form's place, and gives it back when closed.
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 812})
    expect(page.locator("#content-main")).to_be_hidden()
    expect(frame.locator("h1.story-headline")).to_be_visible()
    page.get_by_role("button", name="Close preview").click()
    expect(page.locator("#content-main")).to_be_visible()
    expect(page.locator(".live-preview")).to_be_hidden()
    expect(page.get_by_role("button", name="Live preview")).to_have_attribute("aria-expanded", "false")
    check_accessibility(page, "add form, preview closed")
    screenshots(page, "live-preview-closed")


def test_a_live_articles_form_with_its_preview_open_passes_axe(page, site, editor):
    """The demo story, with bylines, vehicles and tags: every box of the form has a name."""
    article = Article.objects.live().order_by("pk").first()
    sign_in(page, site, editor)
    page.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    page.get_by_role("button", name="Live preview").click()
    expect(preview_frame(page).locator("h1.story-headline")).to_have_text(article.headline)
    expect(page.locator(".live-preview-status")).to_have_text("Up to date.")
    check_accessibility(page, "a live article's form with the live preview")
    page.get_by_role("button", name="Close preview").click()
    check_accessibility(page, "a live article's form")
    page.get_by_role("button", name="Live preview").click()
    screenshots(page, "live-preview-live-article")
