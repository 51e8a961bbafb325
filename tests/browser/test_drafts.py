"""An editor in Chromium edits a live story: saving keeps readers, feeds, the API and partners on
the live version; "Publish changes" puts the edit in front of all of them, as one `updated` change
and one webhook (issue 17, part 1)."""

import json

import pytest

from articles.models import Article
from demo.stories import TOYOTA_STORY_SLUG
from newsroom.syndication.models import ChangeEvent, WebhookEndpoint
from tests.browser.conftest import WIDTHS, check_accessibility, page_scrolls_sideways, screenshots
from tests.conftest import PASSWORD
from tests.syndication.conftest import Receiver, make_partner

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NEW_HEADLINE = "Toyota confirms the US-built Camry, Highlander and Tundra for Japan"


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


def sign_in(page, site, user):
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def what_readers_and_partners_see(page, site, story, key):
    """The story's headline on its page, in the Atom feed and in the API."""
    article_page = page.request.get(site + f"/articles/{story.slug}/").text()
    feed = page.request.get(site + "/feed/atom/").text()
    api = page.request.get(site + f"/api/v1/articles/{story.pk}/", headers={"Authorization": f"Bearer {key}"})
    assert api.status == 200
    return article_page, feed, json.loads(api.text())["headline"]


def test_editor_edits_a_live_story_then_publishes_the_changes(page, site, editor, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    partner = make_partner("Autos Daily")
    _, key = partner.issue_key(name="browser")
    WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
    story = Article.objects.get(slug=TOYOTA_STORY_SLUG)
    live_headline = story.headline
    events_before = ChangeEvent.objects.count()

    sign_in(page, site, editor)
    change_url = site + f"/admin/articles/article/{story.pk}/change/"
    page.goto(change_url)
    assert "saving keeps your changes as a draft" in page.locator(".workflow-status").inner_text()
    page.fill("#id_headline", NEW_HEADLINE)
    page.fill("#id_revision_message", "Confirmed by Toyota")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()

    # The form continues the draft and says what readers still see, and only that: not Django's
    # "was changed successfully", which would tell the editor readers have it.
    messages_shown = page.locator(".messagelist").inner_text()
    assert "Readers still see the live version" in messages_shown and "changed successfully" not in messages_shown
    assert page.locator("#id_headline").input_value() == NEW_HEADLINE
    panel = page.locator(".pending-changes").inner_text()
    assert "Changes not yet published" in panel and "Live version is v" in panel
    assert page.locator(".pending-changes ins").count() >= 1
    check_accessibility(page, "change form with pending changes")
    screenshots(page, "change-form-pending-changes")
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    assert not (wide := page_scrolls_sideways(page)), f"the form with pending changes scrolls sideways: {wide}"
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})

    article_page, feed, api_headline = what_readers_and_partners_see(page, site, story, key)
    assert live_headline in article_page and NEW_HEADLINE not in article_page
    assert NEW_HEADLINE not in feed
    assert api_headline == live_headline
    assert ChangeEvent.objects.count() == events_before and receiver.requests == []

    # Publish the changes, from the panel's button.
    page.get_by_role("link", name="Publish changes", exact=True).click()
    check_accessibility(page, "publish changes page")
    page.locator("input[type=submit][value='Publish changes']").click()
    page.wait_for_selector(".messagelist")
    assert page.locator(".pending-changes").count() == 0

    article_page, feed, api_headline = what_readers_and_partners_see(page, site, story, key)
    assert NEW_HEADLINE in article_page and NEW_HEADLINE in feed and api_headline == NEW_HEADLINE
    new_events = list(ChangeEvent.objects.order_by("id")[events_before:].values_list("event", flat=True))
    assert new_events == ["updated"]
    assert [json.loads(request["body"])["type"] for request in receiver.requests] == ["article.updated"]


SCHEDULED_HEADLINE = "Toyota's US-built Camry reaches Japanese dealers"


def test_editor_schedules_changes_then_cancels_them(page, site, editor, monkeypatch):
    """Scheduling from the change form: readers keep the live version until the minute, get the
    changes at it with no worker; cancelling keeps the draft and the live version."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    story = Article.objects.get(slug=TOYOTA_STORY_SLUG)
    live_headline = story.headline
    sign_in(page, site, editor)
    page.goto(site + f"/admin/articles/article/{story.pk}/change/")
    page.fill("#id_headline", SCHEDULED_HEADLINE)
    page.click("input[name=_continue]")
    page.wait_for_selector(".pending-changes")

    page.get_by_role("link", name="Schedule changes", exact=True).click()
    at = timezone.localtime(timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    page.fill("#id_live_from", f"{at:%Y-%m-%dT%H:%M}")
    check_accessibility(page, "schedule changes page")
    page.locator("input[type=submit][value='Schedule changes']").click()
    page.wait_for_selector(".pending-scheduled")
    assert "Changes scheduled for" in page.locator(".pending-scheduled").inner_text()
    check_accessibility(page, "change form with scheduled changes", include=[".pending-changes", ".messagelist"])
    screenshots(page, "change-form-scheduled-changes")

    assert SCHEDULED_HEADLINE not in page.request.get(site + f"/articles/{story.slug}/").text()
    monkeypatch.setattr(timezone, "now", lambda: at)  # the live server's clock too: the same process
    cache.clear()
    assert SCHEDULED_HEADLINE in page.request.get(site + f"/articles/{story.slug}/").text()
    monkeypatch.undo()
    cache.clear()

    page.get_by_role("link", name="Cancel scheduled changes", exact=True).click()
    check_accessibility(page, "cancel scheduled changes page")
    page.locator("input[type=submit][value='Cancel scheduled changes']").click()
    page.wait_for_selector(".messagelist")
    assert "Scheduled changes cancelled" in page.locator(".messagelist").inner_text()
    assert page.locator(".pending-scheduled").count() == 0
    assert Article.objects.get(pk=story.pk).headline == live_headline
