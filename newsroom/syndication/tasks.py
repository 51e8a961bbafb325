"""Background work for syndication, run by the task worker (queue "webhooks"), and the functions
that queue it: webhook deliveries, their retries and re-sends, and scheduled-release announcements.
``webhooks`` only sends; it never queues, so it never imports this module back."""

import logging
from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from articles import readmodel
from articles.models import Article, Status
from newsroom.core import cache_keys
from newsroom.syndication import webhooks
from newsroom.syndication.changes import record_change
from newsroom.syndication.models import ChangeEvent, DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)


def supports_defer(a_task):
    return a_task.get_backend().supports_defer


@task(queue_name="webhooks")
def deliver_webhook(delivery_id):
    delivery = webhooks.attempt(delivery_id)
    if delivery.status == DeliveryStatus.RETRYING:
        schedule_retry(delivery)


def send_webhooks(change, article):
    """Make the change's deliveries (one per interested endpoint) and queue each for the worker."""
    for delivery in webhooks.create_deliveries(change, article):
        deliver_webhook.enqueue(delivery.pk)


def schedule_retry(delivery):
    """Queue the next attempt for ``next_attempt_at``. A backend that cannot defer work (the
    immediate one, in tests and quick demos) leaves it for `resend`/the admin action instead."""
    if supports_defer(deliver_webhook):
        deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    else:
        logger.info("webhook retry not queued: the task backend cannot defer", extra={"delivery": delivery.pk})


def resend(delivery):
    """Send a delivery again from the start (the admin's re-send action); keeps its webhook-id."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    deliver_webhook.enqueue(delivery.pk)


@task(queue_name="webhooks")
def release_scheduled(article_id, publish_at):
    """At a scheduled article's go-live minute: record its "published" change and notify partners.

    Does nothing if the article was unscheduled, rescheduled or withdrawn meanwhile (a new
    "scheduled" event queued its own run), or if this minute was already announced."""
    expected = datetime.fromisoformat(publish_at)
    article = Article.objects.filter(pk=article_id, status=Status.SCHEDULED, publish_at=expected).first()
    if article is None:
        return "stale"
    now = timezone.now()
    if expected > now:  # woke too early: go back to sleep until the minute
        schedule_release(article)
        return "early"
    if ChangeEvent.objects.filter(article=article, event="published", occurred_at__gte=expected).exists():
        return "done already"
    if not article.is_live(now):
        return "not live"
    change = record_change(article, "published", now=now)
    send_webhooks(change, article)
    return "published"


# Articles announced per transaction: the change feed's insert lock is held for one batch at a time
# (about half a second), so a publish meanwhile waits at most that long.
ANNOUNCE_BATCH = 100


@task(queue_name="webhooks")
def announce_updates(article_ids, changed_at):
    """After an image, tag, author or section that live articles show changed at ``changed_at``:
    an "updated" change and its webhooks for each article still live, unless a change recorded
    since then already tells partners (changes recorded after ``changed_at`` commit after the edit,
    see ``receivers.announce_articles_showing``, and show the article as it is now). So a run that
    is retried, or that follows a second edit, tells nobody twice. Returns how many were announced."""
    since = datetime.fromisoformat(changed_at)
    announced = 0
    for start in range(0, len(article_ids), ANNOUNCE_BATCH):
        batch = article_ids[start : start + ANNOUNCE_BATCH]
        with transaction.atomic():
            # What is announced is stored first, in the same transaction: a partner reading the
            # change reads the article with the edited record, whichever task runs first.
            cache_keys.changed(readmodel.stale_keys(readmodel.sync(batch)))
            told = ChangeEvent.objects.filter(article_id__in=batch, occurred_at__gte=since).values("article_id")
            for article in Article.objects.live().filter(pk__in=batch).exclude(pk__in=told).order_by("pk"):
                send_webhooks(record_change(article, "updated"), article)
                announced += 1
    return announced


def schedule_release(article):
    """Queue ``release_scheduled`` for the article's go-live minute."""
    if not supports_defer(release_scheduled):
        logger.warning(
            "scheduled publication will not be announced: the task backend cannot defer work",
            extra={"article": article.pk},
        )
        return
    release_scheduled.using(run_after=article.publish_at).enqueue(article.pk, article.publish_at.isoformat())
