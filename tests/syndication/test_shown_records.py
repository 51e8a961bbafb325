"""An editor's change to an image, tag, author or section that live articles show reaches partners
like any other change: an "updated" entry in the change feed and a webhook for each live article,
Last-Modified moving with the ETag, and a request cost that does not grow with the articles."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from articles.models import Article, Author, PublicArticle, Status, Tag
from newsroom.media.models import Rendition
from newsroom.syndication.models import ChangeEvent, WebhookEndpoint
from newsroom.syndication.tasks import announce_updates
from tests.syndication.conftest import make_article, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def endpoint(partner, receiver):
    return WebhookEndpoint.objects.create(partner=partner, url=receiver.url)


def run_queued_tasks():
    """What the task worker does with each queued task: claim it, run it, record the outcome.
    (Its loop also recycles database connections, which would end the test's transaction.)"""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    while result := DBTaskResult.objects.ready().first():  # deliveries queue their own tasks
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        assert result.status == "SUCCESSFUL", result.traceback


def image_form(image, **changes):
    fields = ("title", "alt_text", "caption", "credit", "copyright", "focal_x", "focal_y")
    return {field: getattr(image, field) for field in fields} | changes


def updates(receiver):
    return sorted(
        json.loads(request["body"])["data"]["article_id"]
        for request in receiver.requests
        if json.loads(request["body"])["type"] == "article.updated"
    )


def test_an_editors_caption_change_reaches_partners_once_per_live_article(
    editor_client, endpoint, receiver, api, media
):
    image = make_image()
    live = [make_article(image=image) for _ in range(2)]
    make_article(status=Status.DRAFT, image=image)
    make_article(status=Status.SCHEDULED, publish_at=timezone.now() + timedelta(hours=1), image=image)
    url = f"/admin/media/image/{image.pk}/change/"

    response = editor_client.post(url, image_form(image, caption="Pictured at the Tokyo launch."))
    assert response.status_code == 302
    assert updates(receiver) == sorted(article.pk for article in live)
    feed = api.get("/api/v1/changes/").json()["results"]
    assert [(change["event"], change["article_id"]) for change in feed] == [("updated", a.pk) for a in live]
    assert feed[0]["article"]["lead_image"]["caption"] == "Pictured at the Tokyo launch."

    # Saving it again unchanged, or changing what no article shows, tells partners nothing new.
    image.refresh_from_db()
    editor_client.post(url, image_form(image))
    Tag.objects.create(name="Unused", slug="unused").save()
    assert ChangeEvent.objects.count() == 2 and len(receiver.requests) == 2


def test_renaming_or_deleting_a_tag_updates_each_live_article_showing_it(editor_client, endpoint, receiver, media):
    tag = Tag.objects.create(name="Hybrids", slug="hybrids")
    tagged = [make_article(tags=[tag]) for _ in range(3)]
    make_article()  # not tagged
    response = editor_client.post(f"/admin/articles/tag/{tag.pk}/change/", {"name": "Hybrid cars", "slug": "hybrids"})
    assert response.status_code == 302
    assert updates(receiver) == [article.pk for article in tagged]

    receiver.requests.clear()
    response = editor_client.post(f"/admin/articles/tag/{tag.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Tag.objects.filter(pk=tag.pk).exists()
    assert updates(receiver) == [article.pk for article in tagged]


def test_a_renamed_author_reaches_partners_too(editor_client, endpoint, receiver, media):
    article = make_article(authors=["Ann Author"])
    author = Author.objects.get(slug="ann-author")
    form = {"name": "Ann Writer", "slug": author.slug, "bio": ""}
    assert editor_client.post(f"/admin/articles/author/{author.pk}/change/", form).status_code == 302
    assert updates(receiver) == [article.pk]


def test_last_modified_moves_whenever_the_etag_does(api, rich_articles, django_capture_on_commit_callbacks):
    """A partner asking only If-Modified-Since must learn of a renamed tag as one asking If-None-Match does."""
    hour = timedelta(hours=1)  # everything so far happened at least an hour ago
    Article.objects.update(
        updated_at=F("updated_at") - hour,
        publish_at=F("publish_at") - hour,
        last_published_at=F("last_published_at") - hour,
    )
    Rendition.objects.update(created_at=F("created_at") - hour)
    ChangeEvent.objects.update(occurred_at=F("occurred_at") - hour)
    PublicArticle.objects.update(built_at=F("built_at") - hour)
    article = rich_articles[0]
    paths = (f"/api/v1/articles/{article.pk}/", "/api/v1/articles/?format=ninjs")
    first = {path: api.get(path) for path in paths}
    for path, response in first.items():
        assert api.get(path, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    tag = article.tags.first()
    tag.name = f"{tag.name} renamed"
    with django_capture_on_commit_callbacks(execute=True):  # the stories showing it are built again
        tag.save()
    for path, response in first.items():
        by_date = api.get(path, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        by_etag = api.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
        assert by_date.status_code == by_etag.status_code == 200, path
        assert by_date["Last-Modified"] != response["Last-Modified"] and by_date["ETag"] != response["ETag"]
        assert tag.name in by_date.content.decode()


def test_a_tag_on_many_live_articles_costs_the_request_the_same_few_queries(
    editor_client, endpoint, receiver, media, settings, django_assert_num_queries
):
    """The request only queues the work; the task worker fans it out, one entry and webhook each."""
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    few, many = Tag.objects.create(name="Recalls", slug="recalls"), Tag.objects.create(name="EVs", slug="evs")
    articles = {few: [make_article(tags=[few]) for _ in range(3)], many: [make_article(tags=[many]) for _ in range(30)]}
    editor_client.post(f"/admin/articles/tag/{few.pk}/change/", {"name": "Recall", "slug": "recalls"})  # warm caches
    for tag in (few, many):
        # session, user, savepoint, the tag, permissions (2), unique checks (2), the shown fields
        # before, update, the live articles showing it, the queued task, the log; on PostgreSQL
        # also the change feed's lock (was one more: the API's reference data version, which the
        # stored documents' build time replaced in ETags)
        with django_assert_num_queries(15 if connection.vendor == "postgresql" else 14):
            response = editor_client.post(
                f"/admin/articles/tag/{tag.pk}/change/", {"name": f"{tag.name}!", "slug": tag.slug}
            )
        assert response.status_code == 302
    assert receiver.requests == [] and not ChangeEvent.objects.exists()

    run_queued_tasks()
    # Once each, though "few" was edited twice: its second task finds them announced since.
    expected = sorted(article.pk for article in articles[few] + articles[many])
    assert sorted(ChangeEvent.objects.values_list("article_id", flat=True)) == expected
    assert updates(receiver) == expected


def test_announcing_again_tells_nobody_twice(endpoint, receiver, media):
    """A retried task (a worker died mid-run), or a second edit's task after the first one ran."""
    articles = [make_article() for _ in range(3)]
    since = timezone.now().isoformat()
    ids = [article.pk for article in articles]
    assert announce_updates.call(ids, since) == 3
    assert announce_updates.call(ids, since) == 0
    assert ChangeEvent.objects.count() == 3 and len(receiver.requests) == 3
