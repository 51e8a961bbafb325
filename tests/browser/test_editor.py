"""An editor in Chromium: logs into the admin, writes an article, takes it through the
workflow with the admin's buttons, and sees it live on the public site."""

import pytest

from tests.browser.conftest import check_accessibility
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HEADLINE = "Camry buyers in Japan get a US-built sedan again"


def click_workflow_button(page, label):
    page.get_by_role("link", name=label, exact=True).click()
    page.locator(f"input[type=submit][value='{label}']").click()
    page.wait_for_selector(".messagelist")


def test_editor_writes_publishes_and_sees_the_article_live(page, site, editor):
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto(site + "/admin/articles/article/add/")
    page.fill("#id_headline", HEADLINE)
    page.fill("#id_standfirst", "The Camry left Japan in 2023. It comes back from Kentucky.")
    editor_area = page.locator(".ProseMirror[contenteditable=true]").first
    editor_area.click()
    page.keyboard.type("Toyota will ship Kentucky-built Camry sedans to Japan from 2026.")
    page.select_option("#id_section", label="News")
    # The lead image: found in the image chooser (tests/browser/test_chooser.py has the rest).
    page.get_by_role("button", name="Choose an image").click()
    page.get_by_label("Search by title, caption or credit").fill("road")
    page.get_by_role("heading", name="1 image found").wait_for()
    page.get_by_role("button", name="Demo: a road at dusk").click()
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()

    click_workflow_button(page, "Submit for review")
    click_workflow_button(page, "Approve")
    click_workflow_button(page, "Publish now")
    assert "live now" in page.locator(".workflow-status").inner_text()

    page.goto(site + "/")
    assert page.get_by_role("link", name=HEADLINE).count() >= 1, "the home page still shows the old front"
    page.get_by_role("link", name=HEADLINE).first.click()
    assert page.locator("h1").inner_text() == HEADLINE
    assert "Kentucky-built Camry sedans" in page.locator(".story-body").inner_text()
    check_accessibility(page, "article written in the browser")
