"""Saving article content: the one write path for headline, body and the rest.

    from articles.services import save_article, EditConflict

    revision = save_article(article, user, expected_version=article.version, message="Fixed the intro")

``save_article`` (for new and existing articles):

- refuses, before writing anything (``check_save``, which the admin's form asks too): a user who
  may not edit the article now (``workflow.NotAllowed``, as ``article_policy`` decides), a save
  based on an older version (``EditConflict``), leaving a scheduled or published article
  incomplete (``workflow.NotReady``, see ``ensure_complete``: it is, or will be at its minute, in
  front of readers), and a save of a live article by a user who may not publish what it becomes;
- sanitises the body (``articles.sanitize``), generates a unique slug from the headline when
  the slug is blank, and keeps the old URL of a once-public article working (``SlugRedirect``);
- writes the row, locked by ``check_save``, only if it is still at ``expected_version``
  (``UPDATE … WHERE id = … AND version = …``), so of two concurrent saves exactly one wins; the
  other gets ``EditConflict``, which names who saved in between, when, and what they changed;
- runs ``save_related()`` (tags, bylines, vehicles) in the same transaction, then records the
  immutable ``Revision`` of the new version;
- when the article is live (published, or scheduled and past its minute), writes nothing readers
  see: the edit becomes the article's ``PendingChanges``, a draft revision over the live version
  (see ``_save_as_draft``). Readers, feeds, the API, the change feed and webhooks hear of it only
  when ``publish_changes`` applies it.
- when it is scheduled and not live yet, stores it in the read model as it now is, since it
  reaches readers at its minute with no further step (``articles.readmodel``).

``publish_changes`` applies the pending draft to the article and takes the workflow's
``correct`` (with a notice) or ``update`` step, in one transaction; ``discard_changes`` drops it.
``restore_revision`` makes an old revision's content the newest version (for a live article: the
new pending draft). ``latest_version`` is the version an editor continues from: the pending
draft's when there is one, else the article's.

Status never changes here; that is ``articles.workflow``'s job.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.text import slugify

from articles import readmodel, revisions, sanitize, workflow
from articles.models import LIVE_STATUSES, Article, PendingChanges, Revision, SlugRedirect, Status, Transition
from articles.permissions import article_policy
from newsroom.core import cache_keys, dates

logger = logging.getLogger(__name__)

CONTENT_FIELDS = ("headline", "slug", "standfirst", "body", "section", "lead_image")


class EditConflict(Exception):
    """Someone saved the article after the version this save was based on."""

    def __init__(self, article, expected_version):
        self.article = article
        self.expected_version = expected_version
        self.current_version = latest_version(article)
        self.newer = list(
            Revision.objects.filter(
                article_id=article.pk, version__gt=expected_version, version__lte=self.current_version
            )
            .select_related("created_by")
            .order_by("version")
        )
        super().__init__(self.summary())

    def summary(self):
        if not self.newer:
            return "This article was changed after you opened it. Reload it to see the latest version."
        savers = ", ".join(
            f"{display_name(r.created_by)} at {timezone.localtime(r.created_at):%Y-%m-%d %H:%M}" for r in self.newer
        )
        return f"This article was saved by {savers} after you opened it (version {self.expected_version})."

    def changes(self):
        """What the others changed: from the version this save started from to the latest."""
        base = Revision.objects.filter(article_id=self.article.pk, version=self.expected_version).first()
        if base is None or not self.newer:
            return []
        return revisions.diff(base.snapshot, self.newer[-1].snapshot)


def pending_changes(article):
    """The article's ``PendingChanges`` with its draft revision, or None."""
    return PendingChanges.objects.select_related("revision__created_by").filter(article_id=article.pk).first()


def latest_version(article):
    """The version an editor continues from, and a save must name: the pending draft's when
    there is one (its number is above the live version's), else the article's own."""
    draft_version = PendingChanges.objects.filter(article_id=article.pk).values_list("revision__version", flat=True)
    return max([article.version, *draft_version])


def _next_version(article):
    """A number no revision of the article has: a discarded draft keeps its number in history."""
    newest = Revision.objects.filter(article_id=article.pk).order_by("-version").values_list("version", flat=True)
    return max([article.version, *newest[:1]]) + 1


def display_name(user):
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def slug_is_available(slug, article_pk=None):
    """Free for this article: no other article uses it now or used it as an old URL."""
    if Article.objects.filter(slug=slug).exclude(pk=article_pk).exists():
        return False
    return not SlugRedirect.objects.filter(old_slug=slug).exclude(article_id=article_pk).exists()


def unique_slug(headline, article_pk=None):
    max_length = Article._meta.get_field("slug").max_length
    base = slugify(headline)[: max_length - 6].strip("-") or "article"
    candidate, n = base, 2
    while not slug_is_available(candidate, article_pk):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def ensure_complete(article, status):
    """Raise ``workflow.NotReady`` when ``article``'s content misses what the publish checklist
    requires while it is scheduled or published: saving it would put (or keep) it in front of
    readers without passing the checklist."""
    if status not in LIVE_STATUSES:
        return
    missing = workflow.publish_checklist(article)
    if missing:
        state = "live" if article.is_live() else "scheduled to go live"
        raise workflow.NotReady(
            f"This article is {state}, so it must stay complete. Missing: " + "; ".join(missing) + ".", missing
        )


def check_save(article, user, expected_version=None):
    """Refuse, before anything is written, what ``save_article`` would refuse: raises
    ``workflow.NotAllowed``, ``EditConflict`` or ``workflow.NotReady``. Judged by the stored
    article, locked until the transaction it runs in ends (``save_article``'s, the admin's), so
    what was checked is what is written; returns that stored article (``None`` for a new one).

    ``article`` carries the content about to be saved. The admin's form asks this in ``clean()``,
    so a refusal is a form error with the editor's text kept. Returns the stored article."""
    if article.pk is None:
        if not article_policy.user_has_permission_for_instance(user, "change", article):
            raise workflow.NotAllowed("You may not edit this article now.")
        return None
    stored = Article.objects.select_for_update(of=("self",)).with_live_now().filter(pk=article.pk).first()
    if stored is None:
        raise workflow.NotAllowed("This article no longer exists.")
    if not article_policy.user_has_permission_for_instance(user, "change", stored):
        raise workflow.NotAllowed("You may not edit this article now.")
    if latest_version(stored) != expected_version:
        raise EditConflict(stored, expected_version)
    if not stored.is_live():
        # A live article's save is a draft: the checklist is asked when its changes are published.
        ensure_complete(article, stored.status)
    elif PendingChanges.objects.filter(article_id=stored.pk, scheduled_for__isnull=False).exists():
        # Scheduled changes stay scheduled through a save, which becomes what goes live at their
        # minute: so it must pass the checklist now, and keep the address (``workflow.schedule_changes``).
        ensure_complete(article, Status.SCHEDULED)
        if article.slug and article.slug != stored.slug:
            raise workflow.NotReady(workflow.SCHEDULED_SLUG_REFUSAL)
        article.slug = stored.slug
    return stored


def save_article(article, user, expected_version=None, message="", *, save_related=None):
    """Save ``article`` as a new version and return its ``Revision``; see the module docstring.

    ``expected_version`` is the version the editor loaded (``latest_version``; ignored for a new
    article)."""
    article.headline = article.headline.strip()
    article.body = sanitize.clean_body(article.body)
    now = timezone.now()
    with transaction.atomic():
        stored = check_save(article, user, expected_version)
        if stored is not None and stored.is_live():
            return _save_as_draft(article, stored, user, message, save_related, now)
        if not article.slug:
            article.slug = unique_slug(article.headline, article.pk)
        if article.pk is None:
            article.version = 1
            article.created_by = article.created_by or user
            article.created_at = article.updated_at = now
            article.save(force_insert=True)
        else:
            _write_content(article, stored.version, now, version=_next_version(stored))
            # Not live (any more): what the editor saved, which the form loaded from the pending
            # draft, is the article itself now.
            PendingChanges.objects.filter(article_id=article.pk).delete()
        if save_related:
            save_related()
        revision = revisions.record(article, user, message)
        if stored is not None and stored.status in LIVE_STATUSES:
            readmodel.sync([article.pk])  # scheduled: what readers will see at its minute
    return revision


def _save_as_draft(article, stored, user, message, save_related, now):
    """Record ``article``'s content as the pending draft over the live ``stored`` version.

    The edit is written as any save is (row, slug, tags, bylines, vehicles: ``save_related``)
    inside a savepoint, read back as a snapshot, and rolled back: the draft is exactly what a
    save would have made, and nothing readers see was touched (signals' on-commit work inside the
    savepoint is dropped with it). The snapshot becomes a new revision; ``PendingChanges`` points
    at it. The article row keeps its version: the API and caches see no change."""
    savepoint = transaction.savepoint_create()
    try:
        if not article.slug:
            article.slug = unique_slug(article.headline, article.pk)
        _write_content(article, stored.version, now)
        if save_related:
            save_related()
        draft = revisions.snapshot(article)
    finally:
        transaction.savepoint_rollback(savepoint)
    version = _next_version(stored)
    revision = revisions.record(article, user, message, version=version, data=draft)
    pending, created = PendingChanges.objects.get_or_create(
        article_id=stored.pk, defaults={"revision": revision, "live_version": stored.version, "started_at": now}
    )
    if not created:
        PendingChanges.objects.filter(pk=pending.pk).update(revision=revision)
        if pending.scheduled_for is not None:
            # Still scheduled: the saved draft is what goes live at the minute (``check_save``
            # held it to the checklist), so its stored version is built again.
            readmodel.sync([stored.pk])
            cache_keys.changed({cache_keys.key(Article, stored.pk)})
    article.version = version  # what this editor continues from
    return revision


def publish_changes(article, user, expected_version, *, correction="", comment="", scheduled_for=None):
    """Apply the pending draft to the live article and publish it, in one transaction: the
    workflow's ``correct`` step when a ``correction`` notice is given, else ``update``. Raises
    ``workflow.IllegalTransition`` when no change is pending, ``EditConflict`` when the draft is
    not the one the caller saw (``expected_version``), ``workflow.NotAllowed`` for a role that
    may not publish (a writer submits changes for review instead), ``workflow.NotReady`` when
    the draft misses what the publish checklist asks. Returns the article as published.

    ``scheduled_for``: the changes scheduled for that minute (``publish_scheduled_changes``), dated
    at it, as readers saw them from then on; ``ScheduleMoved`` if they are no longer scheduled so."""
    step = "correct" if correction.strip() else "update"
    with transaction.atomic():
        stored = Article.objects.select_for_update(of=("self",)).with_live_now().filter(pk=article.pk).first()
        pending = pending_changes(stored) if stored is not None else None
        if scheduled_for is not None and (pending is None or pending.scheduled_for != scheduled_for):
            raise ScheduleMoved("These changes are no longer scheduled for that minute.")
        if pending is None:
            raise workflow.IllegalTransition("There are no changes waiting to be published.")
        workflow.check(step, user, stored)
        if pending.revision.version != expected_version:
            raise EditConflict(stored, expected_version)
        draft = pending.revision.snapshot
        revisions.apply_snapshot(stored, draft)
        if not slug_is_available(stored.slug, stored.pk):
            stored.slug = Article.objects.values_list("slug", flat=True).get(pk=stored.pk)  # taken since
        _write_content(stored, stored.version, timezone.now(), version=pending.revision.version)
        revisions.restore_related(stored, draft)
        PendingChanges.objects.filter(pk=pending.pk).delete()
        note = comment or f"Published the changes of version {pending.revision.version}"
        if step == "correct":
            workflow.correct(stored, user, correction, published_at=scheduled_for)
        else:
            workflow.update(stored, user, comment=note, published_at=scheduled_for)
    return stored


class ScheduleMoved(workflow.IllegalTransition):
    """Scheduled changes were published, cancelled or moved to another minute since a task was queued."""


def schedule_changes(article, user, expected_version, live_from, *, correction="", comment=""):
    """Schedule the pending draft the caller saw (``expected_version``, else ``EditConflict``) to
    go live at ``live_from``: ``workflow.schedule_changes`` (which says what happens then), and once
    committed the worker's ``publish_scheduled_changes`` queued for that minute."""
    with transaction.atomic():
        stored = Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        if stored is None:
            raise workflow.NotAllowed("This article no longer exists.")
        if latest_version(stored) != expected_version:
            raise EditConflict(stored, expected_version)
        note = comment or f"Changes of version {expected_version} scheduled for {dates.desk(live_from)}"
        workflow.schedule_changes(stored, user, live_from, correction=correction, comment=note)
        transaction.on_commit(lambda: _queue_scheduled_publication(stored.pk, live_from))
    return stored


def unschedule_changes(article, user, expected_version, comment=""):
    """Take the pending draft the caller saw off the schedule (``workflow.unschedule_changes``)."""
    with transaction.atomic():
        stored = Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        if stored is None:
            raise workflow.NotAllowed("This article no longer exists.")
        if latest_version(stored) != expected_version:
            raise EditConflict(stored, expected_version)
        workflow.unschedule_changes(stored, user, comment)
    return stored


def _queue_scheduled_publication(article_id, live_from):
    if not publish_scheduled_changes.get_backend().supports_defer:
        # Readers still get the changes at their minute (the read model); the article, the change
        # feed and webhooks wait for an editor's "Publish changes".
        logger.warning("scheduled changes will not be published by a worker: the task backend cannot defer work")
        return
    publish_scheduled_changes.using(run_after=live_from).enqueue(article_id, live_from.isoformat())


@task()
def publish_scheduled_changes(article_id, scheduled_for):
    """At the minute of an article's scheduled changes: publish them for real, as "Publish changes"
    does (``publish_changes``, as the editor who scheduled them, dated at the minute): the article
    and its revisions, one "updated" or "corrected" change and its webhooks, the read model's
    current version. Readers were already served them from the minute on (``readmodel.due``).

    Does nothing when the changes were published, cancelled or moved since (the new minute queued
    its own run), or run early (queued again for the minute). When they can no longer be published
    (the story was withdrawn, the editor lost the right, the draft no longer passes the checklist)
    the schedule is cancelled, so readers are served the live version again, and the refusal logged."""
    expected = datetime.fromisoformat(scheduled_for)
    pending = PendingChanges.objects.filter(article_id=article_id, scheduled_for=expected).first()
    if pending is None:
        return "stale"
    if expected > timezone.now():
        _queue_scheduled_publication(article_id, expected)
        return "early"
    article = Article.objects.get(pk=article_id)
    try:
        if pending.scheduled_by is None:
            raise workflow.NotAllowed("The editor who scheduled these changes no longer exists.")
        publish_changes(
            article,
            pending.scheduled_by,
            pending.revision.version,
            correction=pending.scheduled_correction,
            comment=f"Published the changes scheduled for {scheduled_for}",
            scheduled_for=expected,
        )
    except ScheduleMoved:
        return "stale"
    except (workflow.WorkflowError, EditConflict) as refusal:
        logger.error("scheduled changes not published: %s", refusal, extra={"article": article_id, "at": scheduled_for})
        with transaction.atomic():
            still_scheduled = PendingChanges.objects.filter(article_id=article_id, scheduled_for=expected)
            if still_scheduled.update(**workflow.UNSCHEDULED):
                Transition.objects.create(
                    article=article,
                    action="unschedule_changes",
                    from_status=article.status,
                    to_status=article.status,
                    comment=f"Not published at {scheduled_for}: {refusal}",
                )
                readmodel.sync([article_id])
                cache_keys.changed({cache_keys.key(Article, article_id)})
        return "refused"
    return "published"


def discard_changes(article, user, expected_version, comment=""):
    """Drop the pending draft: the live version is the article again (the draft stays in the
    revision history). Refused as ``workflow.discard_changes`` refuses, and with ``EditConflict``
    when the draft is not the one the caller saw."""
    with transaction.atomic():
        stored = Article.objects.select_for_update(of=("self",)).with_live_now().filter(pk=article.pk).first()
        if stored is None:
            raise workflow.NotAllowed("This article no longer exists.")
        pending = PendingChanges.objects.filter(article_id=stored.pk).values_list("revision__version", flat=True)
        if pending and pending[0] != expected_version:
            raise EditConflict(stored, expected_version)
        workflow.discard_changes(stored, user, comment)
    return stored


def restore_revision(revision, user, expected_version):
    """Make a new revision whose content is ``revision``'s. Raises ``EditConflict`` when the
    article changed after ``expected_version``."""
    article = revision.article
    revisions.apply_snapshot(article, revision.snapshot)
    if not slug_is_available(article.slug, article.pk):
        article.slug = ""  # taken by another article since: save_article makes a fresh one
    return save_article(
        article,
        user,
        expected_version,
        message=f"Restored version {revision.version}",
        save_related=lambda: revisions.restore_related(article, revision.snapshot),
    )


def _write_content(article, stored_version, now, version=None):
    """Write ``article``'s content to its row, which must still be at ``stored_version``, as
    ``version`` (kept when None). check_save locked the row and checked its version; the write
    names the version as well, so it can never land on a newer one (SQLite serialises writers;
    PostgreSQL holds the lock)."""
    current = Article.objects.filter(pk=article.pk, version=stored_version)
    stored = current.only("slug", "first_published_at").first()
    attnames = [Article._meta.get_field(field).attname for field in CONTENT_FIELDS]
    version = stored_version if version is None else version
    written = current.update(**{name: getattr(article, name) for name in attnames}, version=version, updated_at=now)
    if not written:
        raise EditConflict(article, stored_version)
    article.version, article.updated_at = version, now
    if stored.slug != article.slug:
        _keep_old_url(article, stored, now)


def _keep_old_url(article, stored, now):
    """Readers may hold ``stored``'s URL only if the article was ever public."""
    SlugRedirect.objects.filter(old_slug=article.slug, article=article).delete()  # moving back to an old slug
    if stored.was_public(now):
        SlugRedirect.objects.update_or_create(old_slug=stored.slug, defaults={"article": article})
