"""Vehicle pages, stored: what a vehicle model's page shows of its record, built when a record it
shows changes and served as it is (``VehiclePage``), as the articles app stores its stories.

    pages.stored(make, model)      the stored page at these slugs (built first if it is missing)
    pages.store(ids)               build and store the pages of these vehicle models now
    pages.rebuild_all(everything)  those missing or in an older ``SHAPE`` (all, with ``everything``)

Rendering the spec sheet from the record (six queries with prefetches, tables of model years,
powertrains, plants and launches) cost a reader's request 25-40 ms of Python at 10,000 articles;
it changes only when an editor changes the record. What changes by the clock, which articles
about the model are live, is read per request: the view lists them and fills in each launch's
"Reported in" link (``fill_reports``) where the sheet leaves its marker.

A change to a record a page shows (the model, its make and manufacturers, model years, powertrains,
plants, markets, launches and their reports) is named by ``public_keys_changed``; the
``rebuild_showing`` task builds the pages showing it again, then tells the caches.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from newsroom.core import cache_keys
from newsroom.core.prepared import Prepared
from newsroom.core.site import absolute_url
from vehicles import jsonld
from vehicles.models import VehicleModel, VehiclePage

# Renew when a stored part changes shape (a template, the builder): ``rebuild_all`` rebuilds every
# page stored with an older one.
SHAPE = 1
BATCH = 100
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


def store(ids):
    """Build and store the pages of the vehicle models ``ids`` (those that exist); the ids of
    those whose stored page changed."""
    stored = {page.pk: page for page in VehiclePage.objects.filter(pk__in=ids)}
    changed = set()
    for vehicle in VehicleModel.objects.with_details().filter(pk__in=ids):
        page, old = build(vehicle), stored.get(vehicle.pk)
        if old is None:
            # Two first readers of a new model's page may both build it: the same page, stored once.
            VehiclePage.objects.bulk_create([page], ignore_conflicts=True)
        elif any(getattr(old, name) != getattr(page, name) for name in _STORED_FIELDS):
            page.save(force_update=True)
        else:
            continue
        changed.add(vehicle.pk)
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


def stored(make, model):
    """The stored page of the vehicle model at ``make``/``model``, or None when there is no such
    model. One query; a model added since the last build (its task not run yet) is built first."""
    rows = _STORED(make=make, model=model)
    if not rows:
        missing = list(VehicleModel.objects.filter(make__slug=make, slug=model).values_list("pk", flat=True))
        if not missing or not store(missing):
            return None
        rows = _STORED(make=make, model=model)
    return VehiclePage.from_db(DEFAULT_DB_ALIAS, _READ_FIELDS, rows[0])


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


def on_public_keys_changed(sender, keys, hard=False, records=(), **kwargs):
    """``public_keys_changed`` receiver: a changed record a vehicle page may show builds the pages
    showing it again (a new vehicle model's own key builds its page)."""
    shown = sorted(key for key in records if key.startswith(_SHOWN_PREFIXES))
    if shown:
        rebuild_showing.enqueue(shown)


@task()
def rebuild_showing(keys):
    """Build the stored pages showing any of the records ``keys`` name, and the page of any vehicle
    model they name, then tell the caches which pages changed."""
    keys = set(keys)
    own = cache_keys.key(VehicleModel, "")
    ids = {int(key.removeprefix(own)) for key in keys if key.startswith(own) and key.removeprefix(own).isdigit()}
    ids |= {pk for pk, shown in VehiclePage.objects.values_list("pk", "keys") if keys & set(shown.split())}
    with transaction.atomic():
        changed = store(sorted(ids))
        cache_keys.changed({cache_keys.key(VehicleModel, pk) for pk in changed})


def rebuild_all(everything=False):
    """Store the pages of vehicle models with none yet or one in an older ``SHAPE`` (with
    ``everything``, all of them) afresh, in batches; (rebuilt, changed)."""
    vehicles = VehicleModel.objects.order_by("pk")
    if not everything:
        vehicles = vehicles.exclude(page__shape=SHAPE)
    ids = list(vehicles.values_list("pk", flat=True))
    changed = set()
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            changed |= store(ids[start : start + BATCH])
    cache_keys.changed({cache_keys.key(VehicleModel, pk) for pk in changed})
    return len(ids), len(changed)
