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
- when the article is live, publishes the change to readers: ``workflow.correct`` if a
  ``correction`` note is given, else ``workflow.update``; when it is scheduled and not live yet,
  stores it in the read model as it now is, since it reaches readers at its minute with no
  further step (``articles.readmodel``).

``restore_revision`` writes an old revision's content back through ``save_article``.

Status never changes here; that is ``articles.workflow``'s job.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import readmodel, revisions, sanitize, workflow
from articles.models import LIVE_STATUSES, Article, Revision, SlugRedirect
from articles.permissions import article_policy

CONTENT_FIELDS = ("headline", "slug", "standfirst", "body", "section", "lead_image")


class EditConflict(Exception):
    """Someone saved the article after the version this save was based on."""

    def __init__(self, article, expected_version):
        self.article = article
        self.expected_version = expected_version
        self.newer = list(
            Revision.objects.filter(article_id=article.pk, version__gt=expected_version)
            .select_related("created_by")
            .order_by("version")
        )
        self.current_version = self.newer[-1].version if self.newer else expected_version
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


def check_save(article, user, expected_version=None, *, correction=""):
    """Refuse, before anything is written, what ``save_article`` would refuse: raises
    ``workflow.NotAllowed``, ``EditConflict`` or ``workflow.NotReady``. Judged by the stored
    article, locked until the transaction it runs in ends (``save_article``'s, the admin's), so
    what was checked is what is written.

    ``article`` carries the content about to be saved. The admin's form asks this in ``clean()``,
    so a refusal is a form error with the editor's text kept. Returns the stored article."""
    if article.pk is None:
        stored = article
    else:
        stored = Article.objects.select_for_update(of=("self",)).with_live_now().filter(pk=article.pk).first()
        if stored is None:
            raise workflow.NotAllowed("This article no longer exists.")
    if not article_policy.user_has_permission_for_instance(user, "change", stored):
        raise workflow.NotAllowed("You may not edit this article now.")
    if stored.pk is not None and stored.version != expected_version:
        raise EditConflict(stored, expected_version)
    ensure_complete(article, stored.status)
    if stored.is_live():
        # Saving a live article publishes it: as a correction when a notice is given, else an update.
        workflow.check("correct" if correction else "update", user, stored)
    return stored


def save_article(article, user, expected_version=None, message="", *, save_related=None, correction=""):
    """Save ``article`` as a new version and return its ``Revision``; see the module docstring.

    ``expected_version`` is the version the editor loaded (ignored for a new article)."""
    article.headline = article.headline.strip()
    article.body = sanitize.clean_body(article.body)
    now = timezone.now()
    with transaction.atomic():
        stored = check_save(article, user, expected_version, correction=correction)
        if not article.slug:
            article.slug = unique_slug(article.headline, article.pk)
        if article.pk is None:
            article.version = 1
            article.created_by = article.created_by or user
            article.created_at = article.updated_at = now
            article.save(force_insert=True)
        else:
            _update_if_current(article, expected_version, now)
        if save_related:
            save_related()
        revision = revisions.record(article, user, message)
        if article.is_live(now):
            if correction:
                workflow.correct(article, user, correction)
            else:
                workflow.update(article, user, comment=message)
        elif stored.status in LIVE_STATUSES:
            readmodel.sync([article.pk])  # scheduled: what readers will see at its minute
    return revision


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


def _update_if_current(article, expected_version, now):
    current = Article.objects.filter(pk=article.pk, version=expected_version)
    stored = current.only("slug", "first_published_at").first()
    attnames = [Article._meta.get_field(field).attname for field in CONTENT_FIELDS]
    # check_save locked the row and checked its version; the write names the version as well,
    # so it can never land on a newer one (SQLite serialises writers; PostgreSQL holds the lock).
    written = current.update(
        **{name: getattr(article, name) for name in attnames}, version=expected_version + 1, updated_at=now
    )
    if not written:
        raise EditConflict(article, expected_version)
    article.version, article.updated_at = expected_version + 1, now
    if stored.slug != article.slug:
        _keep_old_url(article, stored, now)


def _keep_old_url(article, stored, now):
    """Readers may hold ``stored``'s URL only if the article was ever public."""
    SlugRedirect.objects.filter(old_slug=article.slug, article=article).delete()  # moving back to an old slug
    if stored.was_public(now):
        SlugRedirect.objects.update_or_create(old_slug=stored.slug, defaults={"article": article})
