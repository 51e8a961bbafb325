"""Vehicle pages, stored: what a vehicle model's page shows of its record, built after a record it
shows changes and served as it is (``VehiclePage``), as the articles app stores its stories.

    pages.current(make, model)     the page at these slugs: as stored, or rendered now if outdated
    pages.mark_outdated(records)   in a change's transaction: mark the pages showing ``records``
    pages.rebuild_outdated         the one queued task that builds whatever is outdated
    pages.rebuild_all(everything)  the command's: those missing, outdated or in an older ``SHAPE``

Rendering the spec sheet from the record (six queries with prefetches, tables of model years,
powertrains, plants and launches) cost a reader's request 25-40 ms of Python at 10,000 articles;
it changes only when an editor changes the record. What changes by the clock, which articles
about the model are live, is read per request: the view lists them and fills in each launch's
"Reported in" link (``fill_reports``) where the sheet leaves its marker.

A change to a record a page shows (the model, its make and manufacturers, model years, powertrains,
plants, markets, launches and their reports) costs its transaction one UPDATE: the pages showing
it are marked outdated (``public_records_changing``), so from its commit on requests render them
from the records. Building them again is coalesced: one run of ``rebuild_outdated`` is queued
however many changes come (``newsroom.core.tasks.enqueue_once``), behind imports and webhooks
(``BACKGROUND_PRIORITY``), and it builds whatever is outdated when it runs, a few pages at a time,
outside any transaction; a page is stored only if no change marked it while it was being built
(``marks``), else it stays outdated for the next run. A 100,000-row import thus costs one rebuild
of each page it touched, after it, not one per batch ahead of its own next batch.
"""

import itertools
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from newsroom.core import cache_keys
from newsroom.core.prepared import Prepared
from newsroom.core.site import absolute_url
from newsroom.core.tasks import BACKGROUND_PRIORITY, enqueue_once, started
from vehicles import jsonld
from vehicles.models import VehicleModel, VehiclePage, VehiclePageKey

# Renew when a stored part changes shape (a template, the builder): ``rebuild_all`` rebuilds every
# page stored with an older one.
SHAPE = 1
# The keys a vehicle page carries start with one of these (``shown_keys``).
_SHOWN_PREFIXES = ("vehicle-", "make-", "manufacturer-", "plant-", "market-")


def shown_keys(vehicle):
    """The cache keys of the records ``vehicle``'s page shows (loaded ``with_details``): the model
    (its model years, powertrains and launches are part of it) and the stories filed under it, its
    make and the makers, plants and markets it names."""
    things = [vehicle, cache_keys.stories_under(vehicle), vehicle.make, *vehicle.make.manufacturers.all()]
    for model_year in vehicle.model_years.all():
        for plant in model_year.plants.all():
            things += [plant, plant.manufacturer]
    for availability in vehicle.availabilities.all():
        things += [availability.market, availability.source_plant]
    return {thing if isinstance(thing, str) else cache_keys.of(thing) for thing in things if thing is not None}


def build(vehicle):
    """The stored parts of ``vehicle``'s page (loaded ``with_details``), as a ``VehiclePage``."""
    segment = f", {vehicle.segment.lower()}" if vehicle.segment else ""
    availabilities = list(vehicle.availabilities.all())
    url = absolute_url(vehicle.get_absolute_url())  # stored: a new SITE_URL needs ``rebuild_all(everything)``
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "canonical_url": url,
        "description": f"{vehicle.make.name} {vehicle.name}: {vehicle.body_class}{segment}. "
        "Specifications, where it is built and where it is sold.",
        "vehicle": vehicle,
        "model_years": list(vehicle.model_years.all()),
        "powertrains": list(vehicle.powertrains.all()),
        "plants": vehicle.plants_built(),
        "availabilities": availabilities,
        "manufacturers": vehicle.manufacturers(),
    }
    return VehiclePage(
        vehicle_model=vehicle,
        name=vehicle.name,
        title=render_to_string("vehicles/_vehicle_title.html", context),
        head=render_to_string("vehicles/_vehicle_meta.html", context),
        json_ld=jsonld.script_json(jsonld.car(vehicle, url)),
        sheet=render_to_string("vehicles/_vehicle_sheet.html", context),
        reports=[[item.pk, item.reported_in_id] for item in availabilities if item.reported_in_id],
        keys=" ".join(sorted(shown_keys(vehicle))),
        shape=SHAPE,
    )


_STORED_FIELDS = ["name", "title", "head", "json_ld", "sheet", "reports", "keys", "shape"]


def _placeholders(ids):
    """Rows for the pages of vehicle models ``ids`` that have none: never built (``shape`` 0) and
    outdated, so that a change made while one is first built marks it (``mark_outdated``)."""
    VehiclePage.objects.bulk_create(
        [VehiclePage(vehicle_model_id=pk, keys="", shape=0, outdated=True) for pk in ids], ignore_conflicts=True
    )


def refresh(ids):
    """Build the outdated pages among ``ids`` from the records and store each that no change
    marked meanwhile (the others stay outdated); the cache keys of those whose stored page changed.
    The records are read and rendered outside any transaction (a model with 1,000 powertrains
    takes about a second): only the writes hold SQLite's write lock, or a PostgreSQL row's."""
    old = {
        row[0]: row[1:]
        for row in VehiclePage.objects.filter(pk__in=ids, outdated=True).values_list("pk", "marks", *_STORED_FIELDS)
    }
    # In key order, as the writes below lock the rows: two runs never wait on each other crosswise.
    fresh = [build(vehicle) for vehicle in VehicleModel.objects.with_details().filter(pk__in=old).order_by("pk")]
    changed = []
    with transaction.atomic():
        for page in fresh:
            marks, *stored = old[page.pk]
            values = {name: getattr(page, name) for name in _STORED_FIELDS}
            if not VehiclePage.objects.filter(pk=page.pk, marks=marks).update(outdated=False, **values):
                continue  # a change came while it was built: the next run builds it again
            had, has = set(stored[_STORED_FIELDS.index("keys")].split()), set(page.keys.split())
            VehiclePageKey.objects.filter(page_id=page.pk, key__in=had - has).delete()
            VehiclePageKey.objects.bulk_create(VehiclePageKey(page_id=page.pk, key=key) for key in sorted(has - had))
            if stored != list(values.values()):
                changed.append(cache_keys.key(VehicleModel, page.pk))
        # Only keys, no records: what served the page meanwhile rendered it from the same records,
        # so this tells caches only of a new shape, and marks nothing again.
        cache_keys.changed(changed)
    return changed


_READ_FIELDS = [field.attname for field in VehiclePage._meta.concrete_fields]  # in order, for ``from_db``
# Every vehicle page asks it: compiled once per connection (``newsroom.core.prepared``).
_STORED = Prepared(
    lambda make, model: VehiclePage.objects.filter(
        vehicle_model__make__slug=make, vehicle_model__slug=model
    ).values_list(*_READ_FIELDS),
    make=models.SlugField(),
    model=models.SlugField(),
)


def current(make, model):
    """The page of the vehicle model at ``make``/``model``, or None when there is no such model.
    One query while its stored page is current. One that is outdated or not built yet is rendered
    from the records, as correct as a stored one, and not stored: a request that wrote would
    queue for SQLite's one write lock behind an import's batch, and a page read from records a
    change is about to commit could be stored as current; the queued task builds it."""
    rows = _STORED(make=make, model=model)
    if rows:
        page = VehiclePage.from_db(DEFAULT_DB_ALIAS, _READ_FIELDS, rows[0])
        if not page.outdated:
            return page
    vehicle = VehicleModel.objects.with_details().filter(make__slug=make, slug=model).first()
    return None if vehicle is None else build(vehicle)


def fill_reports(page, live_articles):
    """``page``'s sheet (safe HTML) with the "Reported in" link of each launch whose reporting
    article is among ``live_articles`` ({id: article}); nothing for the others."""
    sheet = page.sheet
    for availability_id, article_id in page.reports:
        report = live_articles.get(article_id)
        link = (
            format_html(
                '<p class="source">Reported in <a href="{}">{}</a></p>', report.get_absolute_url(), report.headline
            )
            if report
            else ""
        )
        sheet = sheet.replace(f"<!--report-{availability_id}-->", link)
    return mark_safe(sheet)  # noqa: S308 - rendered from templates, the link by format_html


def mark_outdated(sender, records, **kwargs):
    """``public_records_changing`` receiver, in the change's transaction: mark outdated the pages
    showing any of the changed ``records`` (and those never built: a change made while one is
    first built must stop it being stored as current), give a vehicle model named that has no
    page a row to mark, and once the change commits queue the one rebuild run if none is queued."""
    shown = [key for key in records if key.startswith(_SHOWN_PREFIXES)]
    if not shown:
        return
    own_prefix = cache_keys.key(VehicleModel, "")
    own = {int(key.removeprefix(own_prefix)) for key in shown if key.removeprefix(own_prefix).isdigit()}
    if own:
        _placeholders(VehicleModel.objects.filter(pk__in=own, page__isnull=True).values_list("pk", flat=True))
    showing = VehiclePageKey.objects.filter(key__in=shown).values("page_id")
    # Locked in key order first, as the rebuild writes them: two changes marking overlapping pages
    # in whatever order each UPDATE scanned them could deadlock on PostgreSQL (SQLite has one writer).
    pages = VehiclePage.objects.filter(
        models.Q(pk__in=own) | models.Q(pk__in=showing) | models.Q(outdated=True, shape=0)
    )
    if connection.vendor == "postgresql":
        pages = VehiclePage.objects.filter(
            pk__in=list(pages.order_by("pk").select_for_update().values_list("pk", flat=True))
        )
    marked = pages.update(outdated=True, marks=models.F("marks") + 1)
    if marked:
        transaction.on_commit(lambda: enqueue_once(rebuild_outdated), robust=True)


# Pages built per write transaction, and between looks at the clock: a model with 1,000
# powertrains takes about a second to build on a loaded machine (the fault test's import), so a
# run ends within seconds of ``RUN_SECONDS``, and its writes hold the write lock briefly.
BATCH = 10
# How long one run builds before it queues the next (behind any import's or webhook's task).
RUN_SECONDS = 30


@task(priority=BACKGROUND_PRIORITY)
def rebuild_outdated():
    """Build the pages outdated when it starts (and those of models with no page yet), a batch at
    a time, for up to ``RUN_SECONDS``; a page marked again meanwhile, or the rest past the time,
    is left to the next run, queued by that change or here, so one busy record cannot keep the
    worker from other tasks."""
    started(rebuild_outdated)
    _placeholders(VehicleModel.objects.filter(page__isnull=True).values_list("pk", flat=True))
    ids = list(VehiclePage.objects.filter(outdated=True).order_by("pk").values_list("pk", flat=True))
    deadline = time.monotonic() + RUN_SECONDS
    for chunk in itertools.batched(ids, BATCH):
        if time.monotonic() > deadline:
            enqueue_once(rebuild_outdated)
            return
        refresh(chunk)


def rebuild_all(everything=False):
    """Build the pages missing, outdated or stored in an older ``SHAPE`` (with ``everything``, all
    of them) afresh, in batches; (rebuilt, changed)."""
    older = VehiclePage.objects.all() if everything else VehiclePage.objects.exclude(shape=SHAPE)
    older.update(outdated=True, marks=models.F("marks") + 1)
    _placeholders(VehicleModel.objects.filter(page__isnull=True).values_list("pk", flat=True))
    ids = list(VehiclePage.objects.filter(outdated=True).order_by("pk").values_list("pk", flat=True))
    changed = []
    for chunk in itertools.batched(ids, BATCH):
        changed += refresh(chunk)
    return len(ids), len(changed)
