"""The read model: every published or scheduled article's public forms, built when it changes and
served as they are stored.

    readmodel.sync(article_ids)          build or drop the stored forms of these articles, now
    readmodel.due(rows, now)             the rule of which stored version readers are served at now
    readmodel.register(builder)          add forms: builder(articles) -> {article_id: {kind: text}}
    readmodel.choose_related(article)    the ids of the earlier stories its page shows, in order
    readmodel.rebuild_all(progress)      every stored article afresh (after a deploy that changes a form)

What is stored (``PublicArticle``, ``Representation``, ``ShownKey``): the story page's title, head
and body, its cards in each list's form (``presentation.CARD_VARIANTS``), its RSS and Atom items
and news sitemap entry (``articles.feeds``, ``articles.sitemaps``), the dates feeds and sitemaps
show, the keys of the records it shows, the earlier stories most related to it, and whatever the
layers above register (the API's JSON and ninjs documents). Pages, feeds, sitemaps and the API
write these into their answers as they are.

Scheduled changes to a live story (``PendingChanges.scheduled_for``) are stored as a second
version of its forms, built as the story will be once they are published and stored with their
minute (``Representation.live_from``; the current version's is ``CURRENT_VERSION``). Every read
takes the version ``due`` names, so readers and partners get the changes at their minute with no
worker, as a scheduled story goes live; the worker then publishes them for real, and the build
after that step stores the same forms as the current version. Until then the story's related
list, and the lists it is on, stay the live version's.

When it is built:
- at every workflow step that changes what readers may see (``workflow.perform`` calls ``sync``
  inside its transaction): the first request after the commit sees the change, and a story that
  is not published or scheduled has no stored form, so nothing unpublished is ever served. A save
  of a draft builds nothing: only a workflow step reaches readers; a save of a story scheduled
  for later stores it (``services.save_article``), since it appears with no further step.
  Visibility stays a read-time rule (``PublicArticle.objects.live``): a scheduled story appears at
  its minute with no worker;
- when a record it shows changes (a tag renamed, a byline, a picture's alt text or new renditions,
  a vehicle record): ``newsroom.core.signals.public_keys_changed`` names the changed records, and
  the ``rebuild_showing`` task rebuilds the stories showing them, then tells the caches;
- related stories are earlier stories (published before this one), so a new story changes no older
  story's page. A step of one story re-chooses the lists it can enter or leave, in a task
  (``rechoose_related``): the stories holding it, and the next stories after it that share one of
  its tags, vehicles or its section, before and after the step.
"""

import itertools
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, When, prefetch_related_objects
from django.db.models.functions import Coalesce, Greatest, Least
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from articles import presentation, revisions
from articles.models import (
    CURRENT_VERSION,
    LIVE_STATUSES,
    RELATED_CANDIDATES,
    Article,
    ArticleVehicle,
    Author,
    Correction,
    PendingChanges,
    PublicArticle,
    Representation,
    Section,
    ShownKey,
    Status,
    Tag,
)
from newsroom.core import cache_keys
from newsroom.core.prepared import Prepared, Utf8
from newsroom.media.models import Image, Rendition
from vehicles.models import Make, Market, Plant, VehicleModel

# Renew when a stored form changes shape (a template, a builder): ``rebuild_read_model`` rebuilds
# every article stored with an older one.
SHAPE = 3
STORY_KINDS = ("title", "head", "page", "keys")
CARD_KINDS = tuple(f"card-{variant}" for variant in presentation.CARD_VARIANTS)
# What a build loads of each article's pictures: the story's widths and the cards' crops.
BUILD_RENDITIONS = Rendition.objects.filter(
    Q(spec__startswith="width-") | Q(spec__startswith="fill-16x9-") | Q(spec=presentation.SHARE_SPEC)
).only(*presentation.RENDITION_COLUMNS)
BATCH = 200

_builders = {}  # builder -> shows, see ``register``


def register(builder, shows=None):
    """Add the forms ``builder(articles)`` makes, ``{article_id: {kind: text}}``; ``articles`` come
    loaded with their section, picture and bylines, tags, corrections and vehicles prefetched.
    ``shows(article)``: the cache keys of records the forms show beyond ``record_keys``, so that a
    change to one rebuilds them."""
    _builders[builder] = shows


@dataclass
class Built:
    article: Article
    related: list
    forms: dict = field(default_factory=dict)
    keys: set = field(default_factory=set)
    # With changes scheduled: the minute they go live, and the forms they make (``scheduled_version``).
    changes_at: object = None
    next: "Built | None" = None


def load(ids):
    """The published and scheduled articles among ``ids``, with everything the builders read."""
    articles = list(
        Article.objects.filter(pk__in=ids, status__in=LIVE_STATUSES).select_related("section", "lead_image")
    )
    prefetch_related_objects(articles, *presentation.story_lookups(BUILD_RENDITIONS))
    return articles


def build(articles):
    """{article id: Built}: every stored form of ``articles`` (loaded by ``load``), as readers in
    the site's own time zone see them, whoever's request runs the step."""
    built = {article.pk: Built(article, choose_related(article)) for article in articles}
    with timezone.override(settings.TIME_ZONE):
        for builder in _builders:
            for article_id, forms in builder(articles).items():
                built[article_id].forms.update(forms)
    for item in built.values():
        item.keys = record_keys(item.article)
        for shows in filter(None, _builders.values()):
            item.keys |= set(shows(item.article))
        item.forms["keys"] = " ".join(sorted(item.keys))
    return built


def story_forms(articles):
    """The articles app's forms: the story page's title, head and body, and each card."""
    forms = {}
    for article in articles:
        context = {"article": article, "SITE_NAME": settings.SITE_NAME, **presentation.story_context(article)}
        parts = {
            "title": render_to_string("articles/_story_title.html", context),
            "head": render_to_string("articles/_story_meta.html", context),
            "page": render_to_string("articles/_story.html", context),
        }
        parts.update(
            {f"card-{variant}": presentation.render_card(article, variant) for variant in presentation.CARD_VARIANTS}
        )
        forms[article.pk] = parts
    return forms


def record_keys(article):
    """The cache keys of the records ``article``'s stored forms show, from what ``load`` loaded: a
    change to any of them rebuilds it (``rebuild_showing``)."""
    keys = {cache_keys.key(Tag, tag.pk) for tag in article.tags.all()}
    keys.update(cache_keys.key(Author, byline.author_id) for byline in article.bylines.all())
    if article.section_id:
        keys.add(cache_keys.key(Section, article.section_id))
    if article.lead_image_id:
        keys.add(cache_keys.key(Image, article.lead_image_id))
    for link in article.article_vehicles.all():
        vehicle = link.vehicle_model
        keys.update({cache_keys.key(VehicleModel, vehicle.pk), cache_keys.key(Make, vehicle.make_id)})
        for availability in vehicle.availabilities.all():
            keys.add(cache_keys.key(Market, availability.market_id))
            if availability.source_plant_id:
                keys.add(cache_keys.key(Plant, availability.source_plant_id))
    return keys


def links_of(article):
    """What makes ``article`` a related-story candidate of another: its tags, vehicles and section."""
    return {
        "tags": sorted(tag.pk for tag in article.tags.all()),
        "vehicles": sorted(link.vehicle_model_id for link in article.article_vehicles.all()),
        "section": article.section_id,
    }


def choose_related(article):
    """The ids of the earlier stories ``article``'s page shows as related, most related first
    (``ArticleQuerySet.related_to``): published or scheduled before it, so live whenever it is."""
    related = Article.objects.related_to(article, presentation.RELATED_ARTICLES, before=article.publish_at)
    # Iterated, not ``values_list``: that would regroup the ranking's counts by id alone.
    return [story.pk for story in related.only("pk")]


def sync(article_ids):
    """Store the forms of ``article_ids`` as they are now, and drop those of any that are neither
    published nor scheduled. Run inside the step's transaction; once it commits, the related lists
    the step may change are chosen again (``rechoose_related``). Returns the ids of the articles
    whose stored forms changed."""
    article_ids = set(article_ids)
    before = {row.pk: row for row in PublicArticle.objects.filter(pk__in=article_ids).only("publish_at", "links")}
    built = build_versions(article_ids)
    dropped = set(before) - set(built)
    PublicArticle.objects.filter(pk__in=dropped).delete()
    for article_id in article_ids:
        old, new = before.get(article_id), built.get(article_id)
        links = [row.links for row in (old,) if row] + ([links_of(new.article)] if new else [])
        if not links or (old and new and old.links == links[-1] and old.publish_at == new.article.publish_at):
            continue  # not a candidate anywhere, or one as before: no related list changes
        moment = (new.article.publish_at if new else old.publish_at).isoformat()
        transaction.on_commit(lambda pk=article_id, at=moment, shared=links: rechoose_related.enqueue(pk, at, shared))
    return store(built.values()) | dropped


def build_versions(ids):
    """``build`` of the published and scheduled articles among ``ids``, each with the version its
    scheduled changes make (``Built.next``), if any: everything ``store`` keeps of them."""
    built = build(load(ids))
    scheduled = PendingChanges.objects.filter(article_id__in=built, scheduled_for__isnull=False)
    for pending in scheduled.select_related("revision"):
        item = built[pending.article_id]
        item.changes_at, item.next = pending.scheduled_for, scheduled_version(pending)
    return built


def scheduled_version(pending):
    """``Built``: the forms of ``pending``'s article once its scheduled changes are published,
    exactly as a build after ``services.publish_scheduled_changes`` makes them: the draft applied
    as that step applies it, dated at its minute (with the correction notice, if any), built as any
    version is, inside a savepoint rolled back after, so nothing of it is written (on-commit work
    queued inside is dropped with it)."""
    at = pending.scheduled_for
    with transaction.atomic():
        article = Article.objects.get(pk=pending.article_id)
        draft = pending.revision.snapshot
        revisions.apply_snapshot(article, draft)
        article.version, article.status, article.last_published_at = pending.revision.version, Status.PUBLISHED, at
        article.save()
        revisions.restore_related(article, draft)
        if pending.scheduled_correction:
            Correction.objects.create(article=article, text=pending.scheduled_correction, created_at=at)
        PendingChanges.objects.filter(pk=pending.pk).delete()
        version = build(load([article.pk]))[article.pk]
        transaction.set_rollback(True)
    return version


def store(built):
    """Write ``built`` (``Built`` items), touching only rows that differ; the ids of those that did."""
    built = list(built)
    if not built:
        return set()
    ids = [item.article.pk for item in built]
    now = timezone.now()
    rows = {row.pk: row for row in PublicArticle.objects.filter(pk__in=ids)}
    stored = {}
    for rep in Representation.objects.filter(article_id__in=ids).only("article_id", "kind", "live_from", "content"):
        stored.setdefault(rep.article_id, {})[rep.kind, rep.live_from] = rep
    shown = {}
    for article_id, key in ShownKey.objects.filter(article_id__in=ids).values_list("article_id", "key"):
        shown.setdefault(article_id, set()).add(key)
    changed, saved = set(), set()
    new_reps, updated_reps, stale_reps, new_keys, stale_keys = [], [], [], [], Q(pk__in=[])
    for item in built:
        article = item.article
        values = {
            "slug": article.slug,
            "publish_at": article.publish_at,
            "first_published": article.first_published,
            "last_updated": article.last_updated,
            "section_id": article.section_id,
            "lead_image_id": article.lead_image_id,
            "related": item.related,
            "links": links_of(article),
            "shape": SHAPE,
            "changes_at": item.changes_at,
        }
        row = rows.get(article.pk)
        differs = row is None or any(getattr(row, name) != value for name, value in values.items())
        if row is None:
            row = PublicArticle(article=article, built_at=now, **values)
            # A slug freed by another story's rename in the same step is taken here, never twice.
            PublicArticle.objects.filter(slug=article.slug).exclude(pk=article.pk).delete()
            row.save(force_insert=True)
            saved.add(article.pk)
        elif differs:
            PublicArticle.objects.filter(slug=article.slug).exclude(pk=article.pk).delete()
            for name, value in values.items():
                setattr(row, name, value)
            row.built_at = now
            row.save()
            saved.add(article.pk)
        have = stored.get(article.pk, {})
        forms = {(kind, CURRENT_VERSION): content for kind, content in item.forms.items()}
        if item.next:
            forms.update({(kind, item.changes_at): content for kind, content in item.next.forms.items()})
        for (kind, live_from), content in forms.items():
            rep = have.get((kind, live_from))
            if rep is None:
                new_reps.append(Representation(article_id=article.pk, kind=kind, live_from=live_from, content=content))
                differs = True
            elif rep.content != content:
                rep.content = content
                updated_reps.append(rep)
                differs = True
        extra = set(have) - set(forms)
        if extra:
            stale_reps.extend(have[version].pk for version in extra)
            differs = True
        # Both versions' records: a change to one the scheduled version shows rebuilds it too.
        wanted = item.keys | {cache_keys.key(Article, pk) for pk in item.related}
        if item.next:
            wanted |= item.next.keys
        old_keys = shown.get(article.pk, set())
        new_keys.extend(ShownKey(article_id=article.pk, key=key) for key in wanted - old_keys)
        if old_keys - wanted:
            stale_keys |= Q(article_id=article.pk, key__in=old_keys - wanted)
        if differs:
            changed.add(article.pk)
    if changed - saved:  # a form changed in a row that did not: ``built_at`` dates every change (API ETags)
        PublicArticle.objects.filter(pk__in=changed - saved).update(built_at=now)
    Representation.objects.bulk_create(new_reps)
    Representation.objects.bulk_update(updated_reps, ["content"], batch_size=BATCH)
    Representation.objects.filter(pk__in=stale_reps).delete()
    ShownKey.objects.filter(stale_keys).delete()
    ShownKey.objects.bulk_create(new_keys)
    return changed


def stories_relating_to(article_id, publish_at, links):
    """The stored stories whose related list ``article_id`` may enter or leave: those holding it,
    and for each of its ``links`` (tags, vehicles, section) the next stories after ``publish_at``
    sharing it, as many as ``related_to`` ranks (it is one of their candidates)."""
    ids = set(ShownKey.objects.filter(key=cache_keys.key(Article, article_id)).values_list("article_id", flat=True))
    after = PublicArticle.objects.filter(publish_at__gt=publish_at).order_by("publish_at", "article_id")
    sharing = []
    for link in links:
        sharing += [after.filter(article__tags=tag) for tag in link.get("tags", ())]
        sharing += [
            after.filter(article__in=ArticleVehicle.objects.filter(vehicle_model=vehicle).values("article_id"))
            for vehicle in link.get("vehicles", ())
        ]
        if link.get("section"):
            sharing.append(after.filter(article__section=link["section"]))
    for queryset in sharing:
        ids.update(queryset.values_list("pk", flat=True)[: RELATED_CANDIDATES + 1])
    ids.discard(article_id)
    return ids


@task()
def rechoose_related(article_id, publish_at, links):
    """Choose again the related stories of every story a step of ``article_id`` may change
    (``stories_relating_to``); tell the caches which pages changed."""
    moment = timezone.datetime.fromisoformat(publish_at)
    ids = sorted(stories_relating_to(article_id, moment, links))
    for chunk in itertools.batched(ids, BATCH):
        with transaction.atomic():
            changed = []
            for row in PublicArticle.objects.select_for_update().filter(pk__in=chunk).select_related("article"):
                related = choose_related(row.article)
                if related != row.related:
                    PublicArticle.objects.filter(pk=row.pk).update(related=related)
                    wanted = {cache_keys.key(Article, pk) for pk in related}
                    ShownKey.objects.filter(article_id=row.pk, key__startswith="article-").exclude(
                        key__in=wanted
                    ).delete()
                    have = set(ShownKey.objects.filter(article_id=row.pk, key__in=wanted).values_list("key", flat=True))
                    ShownKey.objects.bulk_create(ShownKey(article_id=row.pk, key=key) for key in wanted - have)
                    changed.append(cache_keys.key(Article, row.pk))
            cache_keys.changed(changed)


@task()
def rebuild_showing(keys):
    """Rebuild the stored stories showing any of the records ``keys`` name, then tell the caches."""
    ids = sorted(set(ShownKey.objects.filter(key__in=keys).values_list("article_id", flat=True)))
    for chunk in itertools.batched(ids, BATCH):
        with transaction.atomic():
            cache_keys.changed(stale_keys(sync(chunk)))


def stale_keys(article_ids):
    """What is stale once the stored forms of ``article_ids`` changed (``sync``): each story's
    key (its page, and the lists and feeds showing its card or item) and, when any changed, the
    sitemaps: the news sitemap writes up to a thousand stored entries and carries no story's key
    (a thousand would make too long a header for an edge cache)."""
    keys = {cache_keys.key(Article, pk) for pk in article_ids}
    return keys | {cache_keys.SITEMAP} if keys else keys


def on_public_keys_changed(sender, keys, hard=False, records=(), **kwargs):
    """``public_keys_changed`` receiver: records whose own content changed rebuild what shows them."""
    shown = sorted(key for key in records if not key.startswith("article-"))
    if shown and ShownKey.objects.filter(key__in=shown).exists():  # a new image or tag shows nowhere yet
        rebuild_showing.enqueue(shown)


def rebuild_all(progress=None, everything=False):
    """Store the published and scheduled articles not stored yet or stored with an older ``SHAPE``
    (with ``everything``, all of them) afresh, and drop any stored article no longer public, with
    the stories whose related lists held it, in batches; ``progress(done, total)`` after each.
    Returns (rebuilt, changed, dropped)."""
    not_public = PublicArticle.objects.exclude(article__status__in=LIVE_STATUSES)
    dropped = set(not_public.values_list("pk", flat=True))
    holding = ShownKey.objects.filter(key__in=[cache_keys.key(Article, pk) for pk in dropped]).values("article_id")
    public = Article.objects.filter(status__in=LIVE_STATUSES)
    if not everything:
        public = public.filter(Q(pk__in=outdated().values("pk")) | Q(pk__in=holding))
    ids = list(public.order_by("pk").values_list("pk", flat=True))
    not_public.delete()
    changed = set()
    for done, chunk in enumerate(itertools.batched(ids, BATCH), start=1):
        changed |= rebuild(chunk)
        if progress:
            progress(min(done * BATCH, len(ids)), len(ids))
    cache_keys.changed(stale_keys(changed | dropped), hard=bool(dropped))
    return len(ids), len(changed), len(dropped)


def outdated():
    """The published and scheduled articles not stored yet or stored with an older ``SHAPE``."""
    stored = PublicArticle.objects.filter(shape=SHAPE).values("pk")
    return Article.objects.filter(status__in=LIVE_STATUSES).exclude(pk__in=stored)


def rebuild(ids):
    """One batch of ``rebuild_all``: the forms of ``ids`` stored afresh, in a transaction of their
    own; the ids of those that changed. Tells no cache (``rebuild_all`` does, once)."""
    with transaction.atomic():
        return store(build_versions(ids).values())


# Reading: what pages ask of the stored forms, each in one query.


# The order ``due`` reads versions in: the one served comes last.
DUE_ORDER = ("article_id", "kind", "live_from")


def due(representations, now):
    """``representations`` (``Representation`` rows) as served at ``now``: of each article's
    kind, the version stored for its scheduled changes (``live_from`` their minute) once that
    minute has come, with no worker, else the live one (``CURRENT_VERSION``). The rows come oldest
    version first, so a read keeping the last row of each article and kind keeps the one served
    (``.reverse()[:1]`` in a subquery). Every read of the stored forms, pages' and the API's,
    goes through it."""
    return representations.filter(live_from__lte=now).order_by(*DUE_ORDER)


def served_since(now, prefix=""):
    """When the version served at ``now`` of the stored article at ``prefix`` (a lookup to a
    ``PublicArticle``, "public__" from an ``Article``) became what is served: its build, or its
    scheduled changes' minute once come. Part of the API's ETag and Last-Modified, which so change
    at the minute."""
    built_at, changes_at = F(f"{prefix}built_at"), F(f"{prefix}changes_at")
    return Case(When(**{f"{prefix}changes_at__lte": now}, then=Greatest(built_at, changes_at)), default=built_at)


def next_change_at(now):
    """When what the stored articles serve next changes by the clock alone, or None, as an
    expression, for a page's own read to select beside its rows (then telling
    ``pagecache.read_next_go_live``): the earlier of the next go-live minute and the next minute
    of a live story's scheduled changes.

    Each is the first entry of its own index, so the plan PostgreSQL keeps for a prepared read
    (made once for every value of ``now``) reads two index entries; as one condition (``publish_at``
    or ``changes_at`` after ``now``, sorted by whichever applies) it was planned as a scan of every
    stored story, sorted (3 ms at 10,000)."""
    going_live = PublicArticle.objects.filter(publish_at__gt=now).order_by("publish_at").values("publish_at")[:1]
    live = PublicArticle.objects.filter(publish_at__lte=now, changes_at__gt=now)  # a story not live yet changes nothing
    changing = live.order_by("changes_at").values("changes_at")[:1]
    going_live, changing = Subquery(going_live), Subquery(changing)
    # ``Least`` is None on SQLite when either is: then whichever there is.
    return Coalesce(Least(going_live, changing), going_live, changing)


# Every page the page cache stores asks (``pagecache.next_go_live``), unless its own read did:
# compiled once per connection. Selected from the stored stories' table, so with none stored there
# is no row, and no change to come.
_NEXT_CHANGE = Prepared(
    lambda now: PublicArticle.objects.order_by().values_list(next_change_at(now), flat=True)[:1],
    now=models.DateTimeField(),
)


def next_change(now):
    """When what the stored articles serve next changes by the clock alone, or None: a scheduled
    story's go-live minute or a story's scheduled changes' (``pagecache.next_go_live``)."""
    upcoming = _NEXT_CHANGE(now=now)
    return upcoming[0] if upcoming else None


def forms(ids, kinds, now, among=None):
    """{article id: {kind: stored text as served at ``now``}} of ``kinds`` of the live ones among
    ``ids`` at ``now`` (and among the ids of ``among``, a ``values("pk")`` queryset of articles,
    when given): one query."""
    return forms_of(forms_read(ids, kinds, now, among))


def forms_read(ids, kinds, now, among=None):
    """The read ``forms`` runs, rows of (article id, kind, text): a queryset, to run or to prepare
    (``newsroom.core.prepared``) with placeholders for its values."""
    rows = Representation.objects.filter(article__in=ids, article__publish_at__lte=now, kind__in=kinds)
    if among is not None:
        rows = rows.filter(article__article__in=among)
    return due(rows, now).values_list("article_id", "kind", "content")


def forms_of(rows):
    """``forms``' answer from the rows of ``forms_read``: the version served is the last of each
    article's kind (``due``)."""
    found = {}
    for article_id, kind, content in rows:
        found.setdefault(article_id, {})[kind] = content
    return found


class RelatedOf(models.Expression):
    """The ids in the related list (``PublicArticle.related``) of the stored story at ``slug``, as
    a subquery for ``__in``: the story's page reads its related stories' cards in the same query as
    the story, as they are stored now (a card changed or a story withdrawn since the list was chosen
    shows as it is, or not at all). The list is JSON, expanded by each database's own function."""

    def __init__(self, slug):
        super().__init__(output_field=models.BigIntegerField())
        self.slug = slug

    def get_source_expressions(self):
        return [self.slug]

    def set_source_expressions(self, expressions):
        (self.slug,) = expressions

    def _sql(self, compiler, items):
        slug, params = compiler.compile(self.slug)
        table = compiler.connection.ops.quote_name(PublicArticle._meta.db_table)
        # A list holds at most RELATED_ARTICLES (``choose_related``): saying so lets PostgreSQL
        # look the few stories up by key (guessing a hundred, it read the whole table).
        limit = presentation.RELATED_ARTICLES
        return f"SELECT {items} FROM {table} WHERE {table}.slug = {slug} LIMIT {limit}", params  # noqa: S608 - no values

    def as_sql(self, compiler, connection):  # SQLite: a table-valued function in the FROM list
        sql, params = self._sql(compiler, "related_ids.value")
        return sql.replace(" WHERE ", ", json_each(related) AS related_ids WHERE ", 1), params

    def as_postgresql(self, compiler, connection):
        return self._sql(compiler, "jsonb_array_elements_text(related)::bigint")


# Compiled once per connection (``newsroom.core.prepared``): every uncached page runs them. The
# story's rows also carry what the rest of its page needs, so that the page is one statement: the
# sections of the navigation (``presentation.NavSections``) and the next go-live minute
# (``next_change``).
_STORY = Prepared(
    lambda slug, now: (
        due(Representation.objects.filter(article__slug=slug, kind__in=STORY_KINDS), now)
        .filter(article__publish_at__lte=now)
        .order_by()
        .annotate(next_change=next_change_at(now), sections=presentation.NavSections())
        .values_list("article_id", "kind", "live_from", "content", "article__related", "next_change", "sections")
        .union(
            due(Representation.objects.filter(article__in=RelatedOf(slug), kind="card-related"), now)
            .filter(article__publish_at__lte=now)
            .order_by()
            .values_list(
                "article_id",
                "kind",
                "live_from",
                "content",
                models.Value(None, models.JSONField()),
                models.Value(None, models.DateTimeField()),
                models.Value(None, models.TextField()),
            ),
            all=True,
        )
        .order_by(*DUE_ORDER)  # ``due``'s order, over both parts
    ),
    slug=models.SlugField(),
    now=models.DateTimeField(),
)
_CARDS = Prepared(
    lambda variant, ids, now: due(
        Representation.objects.filter(article__in=ids, article__publish_at__lte=now, kind=variant), now
    ).values_list("article_id", "content"),
    variant=models.CharField(),
    ids=[models.IntegerField()],
    now=models.DateTimeField(),
)


def stored_html(text):
    """A stored form (built from templates, so safe HTML) as a template writes it unescaped: what
    ``mark_safe`` makes of text, without its check for lazy strings (4 us, and a front page has
    forty cards)."""
    return SafeString(text)


def story(slug, now=None):
    """The stored forms of the live story at ``slug`` ({kind: safe text}, plus "id", "related",
    "related_cards", {id: safe card} of its live related stories in order, "sections", the
    navigation's (``presentation.nav_sections``), and "next_change", ``next_change(now)``), or
    None: one query."""
    forms, cards = {}, {}
    for article_id, kind, _live_from, content, related, upcoming, sections in _STORY(
        slug=slug, now=now or timezone.now()
    ):
        if kind in STORY_KINDS:
            forms.update({"id": article_id, "related": related, kind: stored_html(content)})
            forms.update({"next_change": upcoming, "sections": sections})
        else:
            cards[article_id] = stored_html(content)
    if not forms:
        return None
    forms["related_cards"] = {pk: cards[pk] for pk in forms["related"] if pk in cards}
    forms["sections"] = presentation.sections_from(forms["sections"])
    return forms


def cards(variant, ids, now=None):
    """{article id: safe card HTML} of the live ones among ``ids``, in ``variant`` as served at
    ``now``: one query (none for no ``ids``)."""
    rows = _CARDS(variant=f"card-{variant}", ids=list(ids), now=now or timezone.now())
    return {article_id: stored_html(content) for article_id, content in rows}


def with_card(stories, variant, name="card", now=None):
    """``stories`` (a ``PublicArticle`` queryset) annotated with ``name`` (``card``), the stored HTML
    of their card in ``variant`` as served at ``now``, read in the same query."""
    return with_form(stories, f"card-{variant}", name=name, now=now)


def with_form(stories, kind, name="form", now=None, as_bytes=False):
    """``stories`` (a ``PublicArticle`` or ``Article`` queryset) annotated with ``name``, their
    stored ``kind`` form as served at ``now`` (None where none is stored), read in the same query.
    Inside a prepared read (``newsroom.core.prepared``) pass ``now``: the clock is read when it
    compiles. ``as_bytes``: the text as its UTF-8 bytes (``Utf8``), for an answer that writes it
    as it is."""
    forms = due(Representation.objects.filter(article=OuterRef("pk"), kind=kind), now or timezone.now()).reverse()
    form = forms.values(text=Utf8("content")) if as_bytes else forms.values("content")
    return stories.annotate(**{name: Subquery(form[:1])})
