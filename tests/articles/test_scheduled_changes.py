"""Scheduled changes to live stories (issue 17, part 1): an editor schedules a story's pending
changes for a minute; readers get them at that minute with no worker (the read model stores the
version they make and serves it from then on), and the worker then publishes them for real, once.
State changes go through the real services and workflow; only the clock is moved."""

from datetime import UTC, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles import readmodel, workflow
from articles.models import Article, PendingChanges, PublicArticle, Representation, Tag, Transition
from articles.services import (
    EditConflict,
    latest_version,
    publish_changes,
    publish_scheduled_changes,
    save_article,
    schedule_changes,
    unschedule_changes,
)
from articles.signals import article_changing, article_event
from tests.articles.test_admin import CHANGE, form_data, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def events():
    """The workflow's events from here on, as (signal, event)."""
    seen = []

    def committed(sender, article, event, **kwargs):
        seen.append(("event", event))

    def changing(sender, article, event, **kwargs):
        seen.append(("changing", event))

    article_event.connect(committed)
    article_changing.connect(changing)
    yield seen
    article_event.disconnect(committed)
    article_changing.disconnect(changing)


@pytest.fixture
def clock(monkeypatch):
    """clock(moment): the time every part of the site reads from now on."""
    return lambda moment: monkeypatch.setattr(timezone, "now", lambda: moment)


def minute_ahead(hours=1):
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def draft(article, user, save_related=None, **fields):
    """Save ``fields`` over the live ``article`` as its pending draft; the draft's version."""
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return save_article(article, user, latest_version(article), "Edited", save_related=save_related).version


def page(client, article):
    cache.clear()  # each look is a reader's first: the page cache is tested on its own below
    response = client.get(f"/articles/{Article.objects.get(pk=article.pk).slug}/")
    assert response.status_code == 200
    return response.content.decode()


def scheduled(article, editor, at, **fields):
    """A live ``article`` whose draft with ``fields`` is scheduled for ``at``."""
    version = draft(article, editor, **fields)
    schedule_changes(article, editor, version, at)
    return version


def test_readers_get_scheduled_changes_at_their_minute_with_no_worker(client, make_article, editor, clock):
    article = make_article("published")
    at = minute_ahead()
    scheduled(article, editor, at, headline="Camry returns, and it is a hybrid")

    clock(at - timedelta(seconds=1))
    for html in (page(client, article), text(client.get("/")), text(client.get("/latest/"))):
        assert article.headline in html and "it is a hybrid" not in html
    clock(at)
    for html in (page(client, article), text(client.get("/")), text(client.get("/latest/"))):
        assert "Camry returns, and it is a hybrid" in html
    # Only the read model moved: the story itself waits for the worker.
    assert Article.objects.get(pk=article.pk).headline == article.headline
    assert PendingChanges.objects.get(article=article).scheduled_for == at


def test_the_worker_publishes_them_once_as_readers_already_saw_them(
    client, make_article, editor, clock, events, django_capture_on_commit_callbacks
):
    article = make_article("published")
    at = minute_ahead()
    version = scheduled(article, editor, at, headline="The new headline", body="<p>New figures.</p>")
    clock(at + timedelta(seconds=20))
    served = readmodel.story(article.slug)
    events.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "published"
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.body, stored.version) == ("The new headline", "<p>New figures.</p>", version)
    # Dated at the minute readers got it, not when the worker came by.
    assert stored.last_published_at == at
    assert events == [("changing", "updated"), ("event", "updated")]
    step = Transition.objects.filter(article=article).first()
    assert (step.action, step.user) == ("update", editor)
    assert not PendingChanges.objects.filter(article=article).exists()
    # The forms readers were served from the minute on are the story's own now: nothing moves.
    assert readmodel.story(article.slug) == served
    assert not Representation.objects.exclude(live_from=readmodel.CURRENT_VERSION).exists()
    assert PublicArticle.objects.get(pk=article.pk).changes_at is None
    # A retry, or a second worker: nothing more.
    assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "stale"
    assert events == [("changing", "updated"), ("event", "updated")]


def test_a_worker_woken_early_waits_for_the_minute(make_article, editor):
    article = make_article("published")
    at = minute_ahead()
    scheduled(article, editor, at, headline="Not yet")
    assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "early"
    assert Article.objects.get(pk=article.pk).headline == article.headline


def test_scheduled_changes_with_a_notice_are_a_correction_at_the_minute(client, make_article, editor, clock, events):
    article = make_article("published")
    at = minute_ahead()
    version = draft(article, editor, body="<p>It makes 200 kW.</p>")
    schedule_changes(article, editor, version, at, correction="We gave the wrong power output.")
    clock(at - timedelta(seconds=1))
    assert "We gave the wrong power output." not in page(client, article)
    clock(at)
    assert "We gave the wrong power output." in page(client, article)
    events.clear()
    assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "published"
    correction = Article.objects.get(pk=article.pk).corrections.get()
    assert (correction.text, correction.created_at) == ("We gave the wrong power output.", at)
    assert events == [("changing", "corrected")]


def test_cancelled_or_moved_schedules_leave_stale_tasks_with_nothing_to_do(client, make_article, editor, clock):
    article = make_article("published")
    first = minute_ahead(1)
    version = scheduled(article, editor, first, headline="Called off")
    unschedule_changes(article, editor, version)
    assert publish_scheduled_changes.call(article.pk, first.isoformat()) == "stale"
    pending = PendingChanges.objects.get(article=article)
    assert pending.scheduled_for is None and pending.revision.version == version  # still a draft
    clock(first)
    assert "Called off" not in page(client, article)
    assert not Representation.objects.exclude(live_from=readmodel.CURRENT_VERSION).exists()

    second, third = first + timedelta(hours=1), first + timedelta(hours=2)
    schedule_changes(article, editor, version, second)
    schedule_changes(article, editor, version, third)  # moved
    clock(second)
    assert publish_scheduled_changes.call(article.pk, second.isoformat()) == "stale"
    assert "Called off" not in page(client, article)
    clock(third)
    assert "Called off" in page(client, article)
    assert publish_scheduled_changes.call(article.pk, third.isoformat()) == "published"
    steps = list(Transition.objects.filter(article=article).order_by("pk").values_list("action", flat=True))
    assert steps[-4:] == ["unschedule_changes", "schedule_changes", "schedule_changes", "update"]


def test_publishing_or_discarding_them_now_cancels_the_schedule(client, make_article, editor, clock):
    published, discarded = make_article("published"), make_article("published")
    at = minute_ahead()
    version = scheduled(published, editor, at, headline="Out at once")
    publish_changes(published, editor, version)
    discarded_version = scheduled(discarded, editor, at, headline="Dropped")
    workflow.discard_changes(discarded, editor)
    clock(at)
    assert "Dropped" not in page(client, discarded)
    assert publish_scheduled_changes.call(published.pk, at.isoformat()) == "stale"
    assert publish_scheduled_changes.call(discarded.pk, at.isoformat()) == "stale"
    assert discarded_version > 1


def test_a_save_after_scheduling_keeps_the_schedule_and_is_what_goes_out(client, make_article, editor, clock):
    article = make_article("published")
    at = minute_ahead()
    scheduled(article, editor, at, headline="First take")
    draft(article, editor, headline="Second take")
    assert PendingChanges.objects.get(article=article).scheduled_for == at
    clock(at)
    html = page(client, article)
    assert "Second take" in html and "First take" not in html


def test_a_withdrawal_calls_the_schedule_off(make_article, editor):
    article = make_article("published")
    at = minute_ahead()
    scheduled(article, editor, at, headline="Never")
    workflow.withdraw(article, editor, "Legal asked us to.")
    assert PendingChanges.objects.get(article=article).scheduled_for is None
    assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "stale"


def test_changes_that_can_no_longer_be_published_are_taken_off_the_schedule(make_article, editor, clock):
    """The editor who scheduled them lost the right to publish before the minute: the worker
    refuses, and readers are served the live version again."""
    article = make_article("published")
    at = minute_ahead()
    scheduled(article, editor, at, headline="Not by you")
    editor.groups.clear()
    clock(at)
    assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "refused"
    assert PendingChanges.objects.get(article=article).scheduled_for is None
    assert "Not by you" not in readmodel.story(article.slug)["title"]
    assert Transition.objects.filter(article=article).first().action == "unschedule_changes"


def test_a_renamed_tag_rebuilds_the_scheduled_version(
    client, make_article, editor, clock, django_capture_on_commit_callbacks
):
    article = make_article("published")
    tag = Tag.objects.create(name="Hybrids", slug="hybrids")
    at = minute_ahead()
    version = draft(article, editor, save_related=lambda: article.tags.add(tag))
    schedule_changes(article, editor, version, at)
    with django_capture_on_commit_callbacks(execute=True):
        tag.name = "Hybrid cars"
        tag.save()
    clock(at)
    html = page(client, article)
    assert "Hybrid cars" in html and "Hybrids" not in html


def test_scheduling_is_refused_for_a_past_minute_an_address_change_and_a_stale_draft(make_article, editor):
    article = make_article("published")
    version = draft(article, editor, headline="Soon")
    with pytest.raises(workflow.NotReady, match="Choose a time in the future"):
        schedule_changes(article, editor, version, timezone.now() - timedelta(minutes=1))
    with pytest.raises(EditConflict):
        schedule_changes(article, editor, version - 1, minute_ahead())
    moved = draft(article, editor, slug="a-new-address")
    with pytest.raises(workflow.NotReady, match="cannot change the story's address"):
        schedule_changes(article, editor, moved, minute_ahead())
    assert PendingChanges.objects.get(article=article).scheduled_for is None


def test_a_writer_may_neither_schedule_changes_nor_edit_scheduled_ones(client, make_article, writer, editor):
    article = make_article("published")
    client.force_login(writer)
    client.post(CHANGE.format(article.pk), form_data(article, headline="Writer's edit"))
    version = PendingChanges.objects.get(article=article).revision.version
    url = f"/admin/articles/article/{article.pk}/changes/schedule_changes/"
    assert "Schedule changes" not in text(client.get(CHANGE.format(article.pk)))
    response = client.post(url, {"version": version, "live_from": f"{minute_ahead():%Y-%m-%dT%H:%M}"})
    assert response.status_code == 400
    assert PendingChanges.objects.get(article=article).scheduled_for is None
    with pytest.raises(workflow.NotAllowed):
        schedule_changes(article, writer, version, minute_ahead())

    schedule_changes(article, editor, version, minute_ahead())
    with pytest.raises(workflow.NotAllowed):
        draft(article, writer, headline="Sneaked in")


def test_the_change_form_schedules_shows_and_cancels_them(editor_client, make_article, editor, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    article = make_article("published")
    editor_client.post(CHANGE.format(article.pk), form_data(article, headline="Scheduled headline"))
    version = PendingChanges.objects.get(article=article).revision.version
    form = text(editor_client.get(CHANGE.format(article.pk)))
    assert "Schedule changes" in form
    url = f"/admin/articles/article/{article.pk}/changes/schedule_changes/"

    past = timezone.localtime(timezone.now() - timedelta(hours=1))
    response = editor_client.post(url, {"version": version, "live_from": f"{past:%Y-%m-%dT%H:%M}"})
    assert response.status_code == 400
    assert "Choose a time in the future; to publish at once use “Publish changes”." in text(response)

    at = timezone.localtime(minute_ahead(3))
    response = editor_client.post(url, {"version": version, "live_from": f"{at:%Y-%m-%dT%H:%M}"}, follow=True)
    shown = f"{at.day} {at:%b %Y, %H:%M %Z} ({at.astimezone(UTC):%H:%M} UTC)"
    assert f"Changes scheduled for {shown}" in text(response)
    assert PendingChanges.objects.get(article=article).scheduled_for == at
    assert "Cancel scheduled changes" in text(response)
    listed = text(editor_client.get("/admin/articles/article/?show=changes_scheduled"))
    assert "Scheduled headline" not in listed and article.headline in listed  # the list shows the live row
    assert f"Live, changes scheduled for {at.day} {at:%b %H:%M}" in listed

    url = f"/admin/articles/article/{article.pk}/changes/unschedule_changes/"
    response = editor_client.post(url, {"version": version}, follow=True)
    assert "Scheduled changes cancelled" in text(response)
    assert PendingChanges.objects.get(article=article).scheduled_for is None
    assert "Changes not yet published" in text(response)


def test_the_calendar_shows_scheduled_changes(editor_client, make_article, editor):
    article = make_article("published")
    at = minute_ahead(2)
    scheduled(article, editor, at, headline="Calendar headline")
    response = editor_client.get("/admin/calendar/", {"month": f"{timezone.localtime(at):%Y-%m}"})
    entries = [entry for week in response.context["weeks"] for cell in week for entry in cell["entries"]]
    [entry] = [entry for entry in entries if entry.kind == "changes"]
    assert (entry.article.pk, entry.at, entry.label) == (article.pk, at, "Changes go live")
    assert f'href="/admin/articles/article/{article.pk}/change/"' in response.content.decode()


def test_cached_pages_are_kept_no_longer_than_the_minute(client, make_article, editor, settings):
    settings.PAGE_CACHE_SECONDS = 3600
    article = make_article("published")
    assert client.get(article.get_absolute_url()).page_cache_timeout == 3600
    scheduled(article, editor, timezone.now() + timedelta(seconds=600), headline="In ten minutes")
    cache.clear()
    assert 540 <= client.get(article.get_absolute_url()).page_cache_timeout <= 601  # however slow the machine
