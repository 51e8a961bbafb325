"""Articles and everything the editorial workflow records about them.

Status changes happen only in ``articles.workflow``; what readers may see is decided only
by ``ArticleQuerySet.live``.
"""

import functools
import operator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connections, models
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from newsroom.core import cache_keys
from vehicles.models import MarketAvailability, VehicleModel


class ShownRecord(NamedTuple):
    lookup: str  # from an article to the record
    fields: tuple  # what pages and the API show of it


# Records an article shows besides its own row, by model label. A change to one of their shown
# fields changes every article that shows the record (``ArticleQuerySet.showing``).
SHOWN_RECORDS = {
    "articles.Section": ShownRecord("section", ("name", "slug")),
    "articles.Tag": ShownRecord("tags", ("name", "slug")),
    "articles.Author": ShownRecord("authors", ("name", "slug")),
    "media.Image": ShownRecord(
        "lead_image",
        ("title", "alt_text", "is_decorative", "caption", "credit", "copyright", "focal_x", "focal_y"),
    ),
}


class ShownRecordQuerySet(models.QuerySet):
    def shown_by(self, articles):
        """The records some of ``articles`` show: ``Tag.objects.shown_by(Article.objects.live())`` are
        the tags readers can find. A tag or byline nothing public uses yet has no public page."""
        lookup = SHOWN_RECORDS[self.model._meta.label].lookup
        return self.filter(models.Exists(articles.filter(**{lookup: models.OuterRef("pk")})))


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in navigation; lower comes first.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    objects = ShownRecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Author(models.Model):
    """A byline: the name readers see, optionally tied to a login."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="author"
    )
    bio = models.TextField(blank=True)

    objects = ShownRecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The statuses in which an article is in front of readers, or will be at its go-live minute.
LIVE_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)
SUBMITTED_OR_PUBLIC_STATUSES = (Status.IN_REVIEW, Status.APPROVED, *LIVE_STATUSES)

# An article's public dates, decided here and only here (``Article.first_published``,
# ``Article.last_updated``, ``Article.updated_line``); pages, cards, feeds, sitemaps, JSON-LD,
# the API and ninjs all read them.
#
# A change readers were told about within this long of first publication is part of publishing
# (a typo fixed in the first minute): the page shows no "Updated" line for it.
UPDATED_LINE_AFTER = timedelta(seconds=60)
# ``Article.last_updated`` in SQL, for filtering. ``publish_at`` counts because republishing a
# withdrawn article by scheduling it moves only ``publish_at``; Coalesce because SQLite's
# GREATEST is NULL when any argument is.
LAST_UPDATED = Greatest("publish_at", Coalesce("last_published_at", "publish_at"))
# How many of the newest live articles of each kind of link (a shared tag, a shared vehicle, the
# section) ``ArticleQuerySet.related_to`` ranks.
RELATED_CANDIDATES = 50


class KeyAmong(models.lookups.In):
    """A condition: the row's key is one of ``ids`` (a subquery of keys), looked up by key on both
    databases. PostgreSQL gets ``id = ANY(ARRAY(ids))``: ``id IN (ids)``, above all two of them
    joined by OR, was planned as a scan of every article hashed against the ids (the vehicle
    page's 30 articles: 8 ms at 10,000 articles, growing with the archive). SQLite plans ``IN`` by
    key, two of them joined by OR too, as long as each is a plain condition: a lookup, not an
    expression it must compare with ``= 1`` (which it answered by reading every live article in
    ``publish_at`` order: 2.7 ms against 0.13 ms at 10,000 articles)."""

    def __init__(self, ids):
        super().__init__(models.F("pk"), ids)

    def as_postgresql(self, compiler, connection):
        key, key_params = self.process_lhs(compiler, connection)
        ids, ids_params = self.process_rhs(compiler, connection)
        return f"{key} = ANY(ARRAY{ids})", (*key_params, *ids_params)


class ArticleQuerySet(models.QuerySet):
    def live(self, now=None):
        """What the public may see now: published, or scheduled and past its go-live minute.

        The one definition of visibility, used by pages, feeds, sitemaps, search, the API
        and webhooks. Computed at read time, so a scheduled article needs no worker to go live.
        """
        now = now or timezone.now()
        return self.filter(status__in=LIVE_STATUSES, publish_at__lte=now)

    def scheduled_for_later(self, now=None):
        """Scheduled and not live yet (``live`` decides): the editors' "coming up" lists."""
        return self.filter(status=Status.SCHEDULED).exclude(pk__in=self.model.objects.live(now).values("pk"))

    def submitted_or_public(self):
        """In review, approved, scheduled or live: articles reviewed as they stand, which their writer
        no longer edits (``ArticlePolicy``). Whatever such an article shows reaches readers
        unreviewed when it changes, now, at the go-live minute or at publication after approval
        (``newsroom.core.permissions.ShownRecordPolicy``)."""
        return self.filter(status__in=SUBMITTED_OR_PUBLIC_STATUSES)

    def with_live_now(self, now=None):
        """Each article with ``live_now``, whether ``live(now)`` holds it, loaded with the row:
        ``Article.is_live()`` then answers without another query."""
        return self.annotate(live_now=models.Exists(self.model.objects.live(now).filter(pk=models.OuterRef("pk"))))

    def showing(self, record):
        """Articles that show ``record``, an image, tag, author or section (``SHOWN_RECORDS``)."""
        return self.filter(**{SHOWN_RECORDS[record._meta.label].lookup: record})

    def about_vehicle_model(self, vehicle_model, limit, now=None):
        """The newest ``limit`` articles live at ``now`` about ``vehicle_model``, plus every live
        article reporting one of its market launches (so each reported launch can link to its
        source), newest first: the vehicle page's articles (``presentation.live_articles_about``).

        Both parts are bounded id lists, so the page costs the same with 60 articles or 60,000."""
        about = (
            self.live(now)
            .filter(pk__in=ArticleVehicle.objects.filter(vehicle_model=vehicle_model).values("article_id"))
            .order_by("-publish_at", "-id")
            .values("pk")[:limit]
        )
        reporting = MarketReport.objects.filter(availability__vehicle_model=vehicle_model).values("article_id")
        return self.live(now).filter(KeyAmong(about) | KeyAmong(reporting)).defer("body").order_by("-publish_at", "-id")

    def related_to(self, article, limit, before=None):
        """The ``limit`` live articles most related to ``article``: those sharing the most tags and
        vehicles with it, newest first among equals; articles of its section fill the places left.
        With ``before``, the published or scheduled articles going live before that moment instead:
        the stored story's "Related" list (``articles.readmodel.choose_related``), live whenever the
        story is. The admin preview shows a draft's live ones.

        Only the newest ``RELATED_CANDIDATES`` live articles sharing a tag, as many sharing a vehicle
        and as many of the section are ranked, so the cost does not grow with the archive. Reads
        ``article``'s tags and vehicle links, from the prefetched rows when the caller loaded them."""
        tag_ids = [tag.pk for tag in article.tags.all()]
        vehicle_ids = [link.vehicle_model_id for link in article.article_vehicles.all()]
        pool = self.live() if before is None else self.filter(status__in=LIVE_STATUSES, publish_at__lt=before)
        newest_live = pool.exclude(pk=article.pk).order_by("-publish_at", "-id")
        tagged = Article.tags.through.objects.filter(tag__in=tag_ids).values("article_id")
        about = ArticleVehicle.objects.filter(vehicle_model__in=vehicle_ids).values("article_id")
        candidates = [
            newest_live.filter(pk__in=tagged).values("pk")[:RELATED_CANDIDATES],
            newest_live.filter(pk__in=about).values("pk")[:RELATED_CANDIDATES],
        ]
        if article.section_id:
            candidates.append(newest_live.filter(section=article.section_id).values("pk")[:RELATED_CANDIDATES])
        shared = models.Count("tags", filter=models.Q(tags__in=tag_ids), distinct=True) + models.Count(
            "vehicle_models", filter=models.Q(vehicle_models__in=vehicle_ids), distinct=True
        )
        return self.in_any(*candidates).annotate(shared=shared).order_by("-shared", "-publish_at", "-id")[:limit]

    def with_last_updated(self):
        """Filterable by ``last_updated_at``: ``Article.last_updated``, computed by the database."""
        return self.alias(last_updated_at=LAST_UPDATED)

    def in_any(self, *id_subqueries):
        """Rows whose pk is in any of ``id_subqueries`` (sliced ``values("pk")`` querysets, e.g.
        each section's newest few), found by a few index lookups however large the table is.

        One UNION ALL subquery where the database allows LIMIT inside a compound query
        (PostgreSQL); otherwise IN lists joined by OR, which SQLite answers with one primary-key
        lookup per list (and PostgreSQL would answer by reading the whole table)."""
        first, *rest = id_subqueries
        if rest and connections[self.db].features.supports_slicing_ordering_in_compound:
            return self.filter(pk__in=first.union(*rest, all=True))
        return self.filter(functools.reduce(operator.or_, (models.Q(pk__in=ids) for ids in id_subqueries)))


class Article(models.Model):
    headline = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(blank=True, help_text="One or two sentences under the headline.")
    body = models.TextField(blank=True, help_text="Sanitised HTML.")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    authors = models.ManyToManyField(Author, through="Byline", blank=True, related_name="articles")
    lead_image = models.ForeignKey(
        "media.Image", null=True, blank=True, on_delete=models.PROTECT, related_name="lead_for_articles"
    )
    vehicle_models = models.ManyToManyField(
        "vehicles.VehicleModel", through="ArticleVehicle", blank=True, related_name="articles"
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Go-live time; set when scheduled or published.")
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last time readers were told the article changed (update or correction): "Updated …".
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by the workflow's withdraw step, cleared by redraft: the 410 page, webhooks, the change
    # feed and ninjs carry it. The editor's internal note stays in the Transition's comment.
    withdrawal_reason = models.CharField(
        max_length=500, blank=True, editable=False, help_text="Why it was withdrawn, as readers and partners are told."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # Optimistic locking: a save must name the version it was loaded from.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_status_publish_at"),
            # Newest-first lists of live articles (two statuses, so the index above cannot give this
            # order): read in order, skip the few rows that are not live, stop at the LIMIT. Not a
            # partial index: SQLite can't match one to live()'s bound parameters and would sort.
            models.Index(fields=["-publish_at", "-id"], name="article_publish_at_id"),
            # Each section's newest articles, in order.
            models.Index(fields=["section", "-publish_at", "-id"], name="article_section_publish_at"),
        ]
        permissions = [
            ("submit_article", "Can submit an article for review"),
            ("approve_article", "Can approve an article or send it back"),
            ("publish_article", "Can publish, schedule and update an article"),
            ("correct_article", "Can publish a correction"),
            ("withdraw_article", "Can withdraw an article and return it to draft"),
            ("edit_any_article", "Can edit articles written by others"),
        ]

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def first_published(self):
        """When readers first saw the article ("Published …"), kept through updates, withdrawal
        and republishing. Rows from before ``first_published_at`` existed have only ``publish_at``."""
        return self.first_published_at or self.publish_at

    @property
    def last_updated(self):
        """When readers were last told the article changed: its latest publication, update or
        correction (first publication if none since). Feeds, sitemaps, the API's ``updated_at`` and
        ninjs ``versionCreated`` show it; SQL twin: ``ArticleQuerySet.with_last_updated``."""
        return max(filter(None, (self.publish_at, self.last_published_at)), default=None)

    @property
    def updated_line(self):
        """The time on the page's "Updated" line (and its metadata), or None: ``last_updated`` when
        it is well after first publication (``UPDATED_LINE_AFTER``)."""
        published, updated = self.first_published, self.last_updated
        if published and updated and updated - published >= UPDATED_LINE_AFTER:
            return updated
        return None

    def was_public(self, now=None):
        """Whether readers could ever see this article: its first go-live minute has come. True of a
        live, withdrawn or redrafted article that went out once; then its old URLs must keep working
        and partners must hear of its withdrawal. ``first_published_at`` is only ever a go-live that
        happened or is still planned: the workflow clears a planned one that is called off."""
        now = now or timezone.now()
        return self.first_published_at is not None and self.first_published_at <= now

    def is_live(self, now=None):
        """Whether readers can see this article now: asks ``ArticleQuerySet.live``, the one rule.

        An article loaded with ``ArticleQuerySet.with_live_now()`` (the admin's change form asks
        several times per page) answers from that, as of its loading; ``workflow.perform`` drops
        it when the status changes."""
        if now is None and "live_now" in self.__dict__:
            return self.live_now
        return self.pk is not None and type(self).objects.live(now).filter(pk=self.pk).exists()


class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="unique_byline")]

    def __str__(self):
        return self.author.name


class ArticleVehicle(models.Model):
    """An article is about a vehicle model, and optionally about one of its model years."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_vehicles")
    vehicle_model = models.ForeignKey("vehicles.VehicleModel", on_delete=models.PROTECT, related_name="article_links")
    model_year = models.ForeignKey(
        "vehicles.ModelYear", null=True, blank=True, on_delete=models.SET_NULL, related_name="article_links"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "vehicle_model"], name="unique_article_vehicle")]

    def __str__(self):
        return str(self.model_year or self.vehicle_model)


class MarketReport(models.Model):
    """The article that reported a vehicle model's launch in a market (a ``MarketAvailability``),
    which the vehicle page and the API link to while readers may see it. The link is the articles
    app's to keep: vehicles, a lower layer, knows nothing of articles."""

    availability = models.OneToOneField(
        "vehicles.MarketAvailability", primary_key=True, on_delete=models.CASCADE, related_name="report"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="market_reports")

    def __str__(self):
        return f"{self.availability}, reported in “{self.article}”"

    @classmethod
    def article_id_of(cls):
        """The id of the article reporting a market availability, NULL when none did: an
        expression over ``vehicles.MarketAvailability``, so a list of launches learns its reports
        in the query that loads it."""
        return models.Subquery(cls.objects.filter(availability=models.OuterRef("pk")).values("article_id"))

    def vehicle_keys(self):
        """The cache key of the vehicle page showing this report (none once the launch is gone: its
        own deletion makes that page stale)."""
        vehicle_ids = MarketAvailability.objects.filter(pk=self.availability_id).values_list(
            "vehicle_model_id", flat=True
        )
        return [cache_keys.key(VehicleModel, pk) for pk in vehicle_ids]


class SlugRedirect(models.Model):
    """An old slug of a published article; its URL answers 301 to the current one."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.old_slug


class Revision(models.Model):
    """An immutable snapshot of an article, one per save. Restoring makes a new revision."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField(help_text="Every editable field as it was saved.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="unique_revision_version")]

    def __str__(self):
        return f"{self.article_id} v{self.version}"

    def save(self, *args, **kwargs):
        # History is never rewritten: a revision is written once and then only read.
        if self.pk is not None:
            raise ValueError("Revisions are immutable; restore one to make a new revision.")
        super().save(*args, **kwargs)


class Correction(models.Model):
    """A dated public notice on a published article saying what was wrong."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Correction to {self.article_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Transition(models.Model):
    """The audit log: every workflow step, who took it, when, and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20, help_text="submit, approve, publish, correct, withdraw, …")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, help_text="Internal: never shown to readers or partners.")
    public_reason = models.TextField(blank=True, help_text="A withdrawal's reason as readers and partners were told.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"


class PublicArticleQuerySet(models.QuerySet):
    def live(self, now=None):
        """Stored articles readers may see now. A row exists only while its article is published or
        scheduled (``articles.readmodel`` keeps it so), so the go-live minute alone decides: the
        same answer as ``ArticleQuerySet.live``, with no worker at a scheduled story's minute."""
        return self.filter(publish_at__lte=now or timezone.now())

    in_any = ArticleQuerySet.in_any

    def newest_in_each_section(self, size):
        """The ``size`` newest of these stories in each section, whatever sections there are, each
        found from an index: for each place, the story at that place in every section (one id
        subquery, for ``in_any``), so that the sections need not be read first."""
        newest = self.filter(section=models.OuterRef("pk")).order_by("-publish_at", "-article_id").values("pk")
        places = [
            Section.objects.order_by().values(story=models.Subquery(newest[place : place + 1])) for place in range(size)
        ]
        return self.model.objects.in_any(*places)


class PublicArticle(models.Model):
    """An article as readers and partners see it, built by ``articles.readmodel`` at its workflow
    steps (never at a save) and when a record it shows changes; pages and the API serve what is
    stored instead of rebuilding it per request. Only published and scheduled articles have one."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="public")
    slug = models.SlugField(max_length=200, unique=True)
    publish_at = models.DateTimeField()
    # ``Article.first_published`` and ``Article.last_updated`` as built: what feeds date their items
    # by and the sitemaps filter and date stories by, read without the article's row.
    first_published = models.DateTimeField()
    last_updated = models.DateTimeField()
    # Copies of the article's section and picture: the front page's section blocks and the lists'
    # cache keys read them from this table alone, newest first by its own indexes.
    section = models.ForeignKey(Section, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    lead_image = models.ForeignKey("media.Image", null=True, on_delete=models.SET_NULL, related_name="+")
    # Earlier stories most related to this one, chosen when it or one of them changes
    # (``readmodel.choose_related``), in the order the page shows them.
    related = models.JSONField(default=list)
    # The tags, vehicles and section it was built with: the links ``readmodel`` compares when
    # they change, to find the stories whose related lists may change with them.
    links = models.JSONField(default=dict)
    shape = models.PositiveIntegerField(help_text="readmodel.SHAPE when built; the rebuild command renews older ones.")
    built_at = models.DateTimeField()
    # The minute its scheduled changes go live (``PendingChanges.scheduled_for``): from then on its
    # forms stored with that ``Representation.live_from`` are served (``readmodel.due``). None
    # when no change is scheduled.
    changes_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = PublicArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-article_id"]
        indexes = [
            models.Index(fields=["-publish_at", "-article"], name="public_article_newest"),
            models.Index(fields=["section", "-publish_at", "-article"], name="public_article_section_newest"),
        ]

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})  # its article's


# ``Representation.live_from`` of the version readers are served until a scheduled change's minute.
CURRENT_VERSION = datetime(1970, 1, 1, tzinfo=UTC)


class Representation(models.Model):
    """One stored public form of an article: its page's head and body, a card, its feed items, its
    news sitemap entry, its API JSON or its ninjs document (``articles.readmodel``), as text to be
    written into answers as it is. Each form is stored for the version served now (``live_from``
    ``CURRENT_VERSION``) and, while changes are scheduled, for the version they make, live from
    their minute (``readmodel.due``)."""

    article = models.ForeignKey(PublicArticle, on_delete=models.CASCADE, related_name="representations")
    kind = models.CharField(max_length=20)
    live_from = models.DateTimeField(default=CURRENT_VERSION)
    content = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "live_from"], name="unique_representation_version")
        ]

    def __str__(self):
        return f"{self.article_id} {self.kind}"


class ShownKey(models.Model):
    """A record a stored article shows (its tags, section, bylines, picture, vehicle records), by
    its cache key (``newsroom.core.cache_keys``): a change to the record rebuilds what shows it."""

    article = models.ForeignKey(PublicArticle, on_delete=models.CASCADE, related_name="shown_keys")
    key = models.CharField(max_length=100, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "key"], name="unique_shown_key")]

    def __str__(self):
        return self.key


class PendingChanges(models.Model):
    """Changes to a live article that are saved but not yet published: its draft over the live
    version (Wagtail's latest revision ahead of the live one). ``revision`` holds the draft's
    content; the article's own row, its tags, bylines and vehicles stay the live version until
    ``services.publish_changes`` applies the draft and takes the workflow's update or correction
    step. A table of its own, not columns on the article: saving a draft writes nothing readers,
    the API's ETags or the read model read.

    Steps on it (submit for review, send back, discard) are ``articles.workflow``'s; who may take
    them is ``articles.permissions``' answer."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="pending_changes")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+")
    # The live version the draft was started over (the article's version when it was first saved).
    live_version = models.PositiveIntegerField()
    in_review = models.BooleanField(default=False, help_text="Submitted for review: waits for an editor.")
    started_at = models.DateTimeField(default=timezone.now)
    # Scheduled by an editor (``workflow.schedule_changes``): published at this minute, by the read
    # model for readers (with no worker) and by the worker for the article itself, the change feed
    # and webhooks (``services.publish_scheduled_changes``), as ``scheduled_by``, with the
    # ``scheduled_correction`` notice when there is one.
    scheduled_for = models.DateTimeField(null=True, blank=True, db_index=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled_correction = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "pending changes"

    def __str__(self):
        return f"Changes to {self.article_id} (version {self.revision.version} over {self.live_version})"


# How long an open change form counts as someone editing without a sign of life from it.
PRESENCE_TIMEOUT = timedelta(minutes=3)


class EditingPresence(models.Model):
    """Who has an article's change form open: refreshed by the form when it loads and by its
    ping while it stays open, so the next editor reads "Erika is editing" before typing."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="unique_editing_presence")]

    def __str__(self):
        return f"{self.user_id} editing {self.article_id}"
