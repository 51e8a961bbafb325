"""Listeners for ``articles.signals.article_changing`` (sent inside the workflow's transaction)."""

import logging

from django.utils import timezone

from articles.models import Article
from articles.signals import PUBLIC_EVENTS
from newsroom.syndication import webhooks
from newsroom.syndication.changes import record_change
from newsroom.syndication.models import ChangeEvent
from newsroom.syndication.tasks import schedule_release

logger = logging.getLogger(__name__)


def on_article_event(sender, article, event, **kwargs):
    """Record public changes in the feed and notify webhook endpoints; for "scheduled", wait for
    the go-live minute. Reads the article back, so the feed records what this transaction commits."""
    current = Article.objects.filter(pk=article.pk).first()
    if current is None:
        return
    if event == "scheduled":
        schedule_release(current)
        return
    if event not in PUBLIC_EVENTS:
        logger.warning("unknown article event ignored", extra={"event": event, "article": article.pk})
        return
    if event == "withdrawn" and not _ever_public(current):
        return  # withdrawn before its go-live minute: partners never saw it, so there is nothing to remove
    change = record_change(current, event)
    webhooks.create_deliveries(change, current)


def _ever_public(article):
    went_live = article.first_published_at is not None and article.first_published_at <= timezone.now()
    return went_live or ChangeEvent.objects.filter(article=article).exists()
