"""Listeners for ``articles.signals.article_changing`` (sent inside the workflow's transaction),
for changes to the images, tags, authors and sections live articles show, and for changes to what
partners' API keys may do."""

import logging

from django.utils import timezone

from articles.models import SHOWN_RECORDS, Article
from articles.signals import PUBLIC_EVENTS
from newsroom.syndication.changes import lock_feed, record_change
from newsroom.syndication.models import rights_changed
from newsroom.syndication.tasks import announce_updates, schedule_release, send_webhooks

logger = logging.getLogger(__name__)


def on_article_changing(sender, article, event, **kwargs):
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
    if event == "withdrawn" and not current.was_public():
        return  # withdrawn before its go-live minute: partners never saw it, so there is nothing to remove
    change = record_change(current, event)
    send_webhooks(change, current)


def remember_shown_fields(sender, instance, raw=False, **kwargs):
    """pre_save: what articles show of the record before this save, to tell a change from a re-save."""
    if raw or instance.pk is None:
        return
    fields = SHOWN_RECORDS[sender._meta.label].fields
    instance._shown_before = sender._base_manager.filter(pk=instance.pk).values(*fields).first()


def on_shown_record_saved(sender, instance, created=False, raw=False, **kwargs):
    """post_save: a record nothing showed before this save (a new one) has no articles to announce."""
    before = instance.__dict__.pop("_shown_before", None)
    if raw or created or before is None:
        return
    if any(before[field] != getattr(instance, field) for field in before):
        announce_articles_showing(instance)


def on_shown_record_deleting(sender, instance, **kwargs):
    """pre_delete: only a tag can go while articles show it (the others are protected), and
    afterwards nothing says which articles showed it."""
    announce_articles_showing(instance)


def announce_articles_showing(record):
    """Each live article showing ``record`` reaches partners as updated (a change-feed entry and its
    webhooks), as any change does. A task does the work: a tag on thousands of live articles costs
    this request one query and one queued task, inside its transaction, so it is never lost."""
    article_ids = list(Article.objects.live().showing(record).order_by("pk").values_list("pk", flat=True))
    if article_ids:
        # Any change recorded after this moment commits after this edit, so it shows partners the
        # edited record: the task may skip the articles such changes cover.
        lock_feed()
        announce_updates.enqueue(article_ids, timezone.now().isoformat())


def on_rights_changed(sender, instance, **kwargs):
    """post_save and post_delete of a partner or an API key, and a change of a partner's sections
    (m2m_changed): every process keeping one of the partner's keys reads it again
    (``models.rights_changed``). A partner deleted takes its keys with it, each deleted with this
    signal too."""
    if kwargs.get("action", "post_").startswith("pre_"):  # m2m_changed: only once it is done
        return
    rights_changed({getattr(instance, "partner_id", instance.pk)})
