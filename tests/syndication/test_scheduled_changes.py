"""Scheduled changes to a live story, as partners get them: the API answers with the new version
from the minute on with no worker (new ETag and Last-Modified), and the change feed and webhooks
hear of it once, when the worker publishes it."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from articles.services import latest_version, publish_scheduled_changes, save_article, schedule_changes
from newsroom.syndication.models import ChangeEvent, WebhookDelivery, WebhookEndpoint
from tests.syndication.conftest import make_article, make_image, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return lambda moment: monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def story(media, editor):
    """A live story whose new headline is scheduled an hour ahead; (story, minute)."""
    article = make_article(headline="Camry returns", image=make_image())
    at = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    article.headline = "Camry returns as a hybrid"
    draft = save_article(article, editor, latest_version(article), "New headline")
    schedule_changes(article, editor, draft.version, at)
    cache.clear()
    return Article.objects.get(pk=article.pk), at


def read(api, path, **params):
    cache.clear()
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    return response


def test_the_api_serves_the_new_version_from_the_minute_with_no_worker(api, story, clock):
    article, at = story
    detail, listing = f"/api/v1/articles/{article.pk}/", "/api/v1/articles/"
    clock(at - timedelta(seconds=1))
    before = read(api, detail)
    assert before.json()["headline"] == "Camry returns"
    assert [item["headline"] for item in read(api, listing).json()["results"]] == ["Camry returns"]
    assert read(api, detail, format="ninjs").json()["headlines"][0]["value"] == "Camry returns"
    # A partner's conditional request is still current just before the minute...
    cache.clear()
    assert api.get(detail, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    clock(at)
    after = read(api, detail)
    assert after.json()["headline"] == "Camry returns as a hybrid"
    assert [item["headline"] for item in read(api, listing).json()["results"]] == ["Camry returns as a hybrid"]
    assert read(api, detail, format="ninjs").json()["headlines"][0]["value"] == "Camry returns as a hybrid"
    # ... and not at the minute: the answer's validators moved with it.
    assert after["ETag"] != before["ETag"]
    assert after["Last-Modified"] != before["Last-Modified"]
    cache.clear()
    assert api.get(detail, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_the_change_feed_and_webhooks_hear_of_it_once_when_the_worker_publishes_it(
    api, partner, receiver, story, clock, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
    article, at = story
    _, cursor = sync(api)
    clock(at + timedelta(seconds=5))
    assert sync(api, cursor)[0] == []  # readers have it; partners hear of it from the worker

    with django_capture_on_commit_callbacks(execute=True):
        assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "published"
        assert publish_scheduled_changes.call(article.pk, at.isoformat()) == "stale"
    changes, _ = sync(api, cursor)
    assert [(change["event"], change["article"]["headline"]) for change in changes] == [
        ("updated", "Camry returns as a hybrid")
    ]
    assert ChangeEvent.objects.filter(article=article).count() == 1
    assert WebhookDelivery.objects.count() == 1
    assert [json.loads(request["body"])["type"] for request in receiver.requests] == ["article.updated"]
    # Partners' copies say it was updated at the minute readers got it.
    assert read(api, f"/api/v1/articles/{article.pk}/").json()["updated_at"] == at.isoformat().replace("+00:00", "Z")
