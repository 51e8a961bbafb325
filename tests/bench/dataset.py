"""A realistic newsroom for the benchmark, built with bulk inserts.

``build(scale)`` makes ``scale`` live articles (sections, 1-2 bylines, 3-5 tags, a lead image,
1-2 vehicle models each), 300 vehicle models with powertrains, model years, plants and market
availabilities, 100 real JPEG originals and 20 partners. It is deterministic (seeded), and a
database that already holds the data set is reused as it is. ``make_renditions`` then makes the
renditions readers are shown of every image, as the task worker does after an upload.
"""

import hashlib
import io
import itertools
import os
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Article, ArticleVehicle, Author, Byline, Section, Status, Tag
from newsroom.media.models import Image
from vehicles.models import (
    AvailabilityStatus,
    DatePrecision,
    DriveType,
    EngineType,
    FuelType,
    Make,
    Manufacturer,
    Market,
    MarketAvailability,
    ModelYear,
    Plant,
    Powertrain,
    VehicleModel,
    VehicleType,
)

VEHICLE_MODELS = 300
# Fewer for the newsroom day's smoke test (tests/ops/test_bench_day.py): each image's renditions cost seconds.
IMAGES = int(os.environ.get("BENCH_IMAGES", "100"))
PARTNERS = 20
BATCH = 2000
BUILD_PROCESSES = int(os.environ.get("BENCH_BUILD_PROCESSES", str(os.cpu_count() or 1)))
# How many of the newest stories the read model is built for (``build_read_model``), and how many
# of them the older stories' copies are taken from.
BUILT_STORIES = int(os.environ.get("BENCH_BUILT_STORIES", "10000"))
COPY_SOURCES = 200
MARKER_SLUG = "bench-dataset-v2-complete"

MAKES = [
    ("Toyota", "JP"), ("Honda", "JP"), ("Nissan", "JP"), ("Mazda", "JP"), ("Subaru", "JP"), ("Suzuki", "JP"),
    ("Ford", "US"), ("Chevrolet", "US"), ("Jeep", "US"), ("Tesla", "US"), ("Cadillac", "US"), ("Ram", "US"),
    ("Volkswagen", "DE"), ("BMW", "DE"), ("Mercedes-Benz", "DE"), ("Audi", "DE"), ("Porsche", "DE"),
    ("Hyundai", "KR"), ("Kia", "KR"), ("Genesis", "KR"), ("Renault", "FR"), ("Peugeot", "FR"),
    ("Volvo", "SE"), ("Skoda", "CZ"), ("BYD", "CN"),
]  # fmt: skip
MODEL_WORDS = [
    "Aurora",
    "Blaze",
    "Cirrus",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Ion",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nova",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Ridge",
    "Sierra",
    "Tempest",
    "Summit",
    "Vector",
    "Willow",
    "Zephyr",
    "Atlas",
    "Bolt",
    "Comet",
    "Dune",
    "Echo",
    "Fjord",
]
WORDS = [
    "hybrid",
    "electric",
    "tariff",
    "plant",
    "recall",
    "launch",
    "pickup",
    "sedan",
    "crossover",
    "battery",
    "charging",
    "range",
    "factory",
    "export",
    "import",
    "dealer",
    "price",
    "safety",
    "review",
    "test",
    "drive",
    "torque",
    "horsepower",
    "platform",
    "facelift",
    "redesign",
    "concept",
    "autonomous",
    "software",
    "update",
    "warranty",
    "emissions",
    "efficiency",
    "market",
    "sales",
    "quarter",
    "profit",
    "supplier",
    "chip",
    "steel",
    "aluminium",
    "union",
    "wage",
    "strike",
    "investment",
    "japan",
    "america",
    "europe",
    "china",
    "korea",
    "mexico",
    "canada",
]
# Ordinary prose around the topic words, so a search term matches a few percent of articles
# (as in a real archive), not all of them.
FILLER = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "for",
    "on",
    "with",
    "as",
    "at",
    "by",
    "from",
    "that",
    "this",
    "it",
    "was",
    "is",
    "be",
    "will",
    "has",
    "have",
    "had",
    "said",
    "its",
    "their",
    "about",
    "after",
    "over",
    "more",
    "than",
    "new",
    "first",
    "year",
    "years",
    "week",
    "month",
    "company",
    "group",
    "maker",
    "brand",
    "buyers",
    "drivers",
    "model",
    "models",
    "cars",
    "vehicles",
    "road",
    "production",
    "analysts",
    "officials",
    "executives",
    "plans",
    "expects",
    "announced",
    "reported",
    "according",
    "while",
    "during",
    "before",
    "since",
    "under",
    "between",
    "because",
    "however",
    "also",
    "which",
    "would",
    "could",
    "should",
    "may",
    "might",
    "early",
    "later",
    "next",
    "last",
    "three",
    "two",
    "four",
    "five",
    "percent",
    "million",
    "billion",
]
SECTIONS = ["News", "Reviews", "Industry", "Electric", "Trucks", "Policy", "Motorsport", "Opinion"]
MARKETS = [("Japan", "JP", "right"), ("United States", "US", "left"), ("Germany", "DE", "left"),
           ("United Kingdom", "GB", "right"), ("Australia", "AU", "right"), ("Canada", "CA", "left")]  # fmt: skip


def is_built(scale):
    return Tag.objects.filter(slug=MARKER_SLUG).exists() and Article.objects.live().count() >= scale


def build(scale, *, log=print):
    """Build the data set unless it is already there. Returns True when it built something."""
    if is_built(scale):
        return False
    if Article.objects.exists():
        raise SystemExit(f"The benchmark database holds a different data set; delete it and run again ({scale=}).")
    rng = random.Random(20251219)
    started = timezone.now()
    with transaction.atomic():
        vehicle_models = _vehicles(rng)
        images = _images(rng)
        sections = Section.objects.bulk_create(
            [Section(name=name, slug=name.lower(), position=i) for i, name in enumerate(SECTIONS)]
        )
        tags = Tag.objects.bulk_create([Tag(name=f"{w} {i}", slug=f"{w}-{i}") for i, w in enumerate(WORDS * 4)])
        authors = Author.objects.bulk_create(
            [
                Author(name=f"Reporter {i:02d}", slug=f"reporter-{i:02d}", bio="Covers the car industry.")
                for i in range(60)
            ]
        )
    log(f"  reference data ready ({len(vehicle_models)} vehicle models, {len(images)} images)")
    now = timezone.now()
    for first in range(0, scale, BATCH):
        count = min(BATCH, scale - first)
        with transaction.atomic():
            _articles(rng, first, count, now, sections, tags, authors, images, vehicle_models)
        log(f"  articles {first + count:,}/{scale:,}")
    Tag.objects.create(name="bench dataset complete", slug=MARKER_SLUG)
    log(f"  built in {(timezone.now() - started).total_seconds():.0f} s")
    return True


def make_renditions(*, log=print):
    """Make what the task worker would after each upload (``make_reader_renditions``), inline, so
    no measured request and no warm-up request makes one. Returns (renditions made, seconds); a
    data set that has them already costs one query."""
    from newsroom.media.tasks import make_reader_renditions

    started = time.monotonic()
    made = sum(make_reader_renditions(image) for image in Image.objects.order_by("pk").prefetch_related("renditions"))
    seconds = time.monotonic() - started
    log(f"  renditions: {made} made in {seconds:.1f} s")
    return made, seconds


def build_read_model(*, log=print):
    """Store the stories not stored yet: the newest ``BUILT_STORIES`` built for real (what
    ``rebuild_read_model`` does), in batches shared by ``BUILD_PROCESSES`` processes; the older
    ones get copies of built stories' stored forms (``_store_copies``).

    Building takes 25-100 ms of CPU a story, so 100,000 would take one to three hours on a
    shared machine. What the benchmark reads is the newest stories (the article sample is taken
    from the newest 2,000, home and the API list show the newest, search ranks the newest 500
    matches of each kind): built for real at both sizes. Older stories are there for the size
    of the tables and indexes every read goes through, which copies of the same size give.
    Returns whether it stored any."""
    from articles import readmodel
    from articles.models import LIVE_STATUSES

    newest = list(
        Article.objects.filter(status__in=LIVE_STATUSES)
        .order_by("-publish_at", "-id")
        .values_list("pk", flat=True)[:BUILT_STORIES]
    )
    missing = set(readmodel.outdated().values_list("pk", flat=True))
    built = [pk for pk in newest if pk in missing]
    if built:
        _build_in_processes(built, log)
    copies = missing - set(newest)
    if copies:
        started = time.monotonic()
        _store_copies(sorted(copies), newest)
        log(f"  {len(copies):,} older stories stored as copies in {time.monotonic() - started:.0f} s")
    return bool(missing)


def _build_in_processes(ids, log):
    import multiprocessing

    from django.db import connection, connections

    from articles import readmodel

    started = time.monotonic()
    batches = list(itertools.batched(ids, readmodel.BATCH))
    # SQLite has one writer: each batch holds the write lock while it builds, so other processes
    # would only wait, and past the busy timeout fail with "database is locked".
    processes = 1 if connection.vendor == "sqlite" else BUILD_PROCESSES
    connections.close_all()  # each process opens its own
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for done, _changed in enumerate(pool.imap_unordered(_rebuild, batches), start=1):
            if done % 10 == 0 or done == len(batches):
                log(f"  stored stories {min(done * readmodel.BATCH, len(ids)):,}/{len(ids):,}")
    log(f"  {len(ids):,} stories built in {time.monotonic() - started:.0f} s by {processes} processes")


def _rebuild(ids):
    from articles import readmodel

    return len(readmodel.rebuild(ids))


def _store_copies(ids, sources):
    """Store each of ``ids`` with its own row (slug, dates, section, picture, links), the forms,
    shown keys and related list of one of ``sources`` (stories built for real), round robin."""
    from django.db import connection

    from articles import readmodel
    from articles.models import PublicArticle, Representation, ShownKey

    sources = sources[:COPY_SOURCES]
    related = dict(PublicArticle.objects.filter(pk__in=sources).values_list("pk", "related"))
    source_of = {pk: sources[n % len(sources)] for n, pk in enumerate(ids)}
    now = timezone.now()
    for chunk in itertools.batched(ids, BATCH):
        articles = Article.objects.filter(pk__in=chunk).defer("body").prefetch_related("tags", "article_vehicles")
        PublicArticle.objects.bulk_create(
            [
                PublicArticle(
                    article=article,
                    slug=article.slug,
                    publish_at=article.publish_at,
                    first_published=article.first_published,
                    last_updated=article.last_updated,
                    section_id=article.section_id,
                    lead_image_id=article.lead_image_id,
                    related=related[source_of[article.pk]],
                    links=readmodel.links_of(article),
                    shape=readmodel.SHAPE,
                    built_at=now,
                )
                for article in articles
            ],
            batch_size=500,
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_copy (article_id bigint, source_id bigint)")
        cursor.executemany("INSERT INTO bench_copy VALUES (%s, %s)", list(source_of.items()))
        for model, columns in ((Representation, "kind, live_from, content"), (ShownKey, "key")):
            table = model._meta.db_table
            cursor.execute(
                f"INSERT INTO {table} (article_id, {columns}) SELECT c.article_id, {columns} "  # noqa: S608 (names from models)
                f"FROM bench_copy c JOIN {table} s ON s.article_id = c.source_id"
            )
        cursor.execute("DROP TABLE bench_copy")


def _articles(rng, first, count, now, sections, tags, authors, images, vehicle_models):
    articles = []
    for n in range(first, first + count):
        words = rng.sample(WORDS, 7)
        # Spread over about two years, newest first.
        published = now - timedelta(minutes=5 + n * 6)
        prose = FILLER + words[:4]
        paragraphs = "".join(f"<p>{' '.join(rng.choice(prose) for _ in range(60)).capitalize()}.</p>" for _ in range(8))
        articles.append(
            Article(
                headline=f"{' '.join(words).capitalize()} ({n})",
                slug=f"{'-'.join(words[:5])}-{n}",
                standfirst=" ".join(rng.choice(prose) for _ in range(25)).capitalize() + ".",
                body=paragraphs,
                section=rng.choice(sections),
                lead_image=rng.choice(images),
                status=Status.PUBLISHED,
                publish_at=published,
                first_published_at=published,
                last_published_at=published,
                created_at=published - timedelta(hours=2),
                updated_at=published,
            )
        )
    articles = Article.objects.bulk_create(articles, batch_size=500)
    bylines, tagged, about = [], [], []
    tag_through = Article.tags.through
    for article in articles:
        for position, author in enumerate(rng.sample(authors, rng.choice((1, 1, 2)))):
            bylines.append(Byline(article=article, author=author, position=position))
        for tag in rng.sample(tags, rng.randint(3, 5)):
            tagged.append(tag_through(article_id=article.pk, tag_id=tag.pk))
        for position, vehicle_model in enumerate(rng.sample(vehicle_models, rng.choice((1, 1, 2)))):
            about.append(ArticleVehicle(article=article, vehicle_model=vehicle_model, position=position))
    Byline.objects.bulk_create(bylines, batch_size=1000)
    tag_through.objects.bulk_create(tagged, batch_size=1000)
    ArticleVehicle.objects.bulk_create(about, batch_size=1000)


def _vehicles(rng):
    markets = [
        Market.objects.get_or_create(
            country=code, defaults={"name": name, "slug": name.lower().replace(" ", "-"), "steering_side": side}
        )[0]
        for name, code, side in MARKETS
    ]
    makes, plants = [], []
    for m, (name, country) in enumerate(MAKES):
        manufacturer, _ = Manufacturer.objects.get_or_create(
            name=f"{name} Motor Company", defaults={"country": country}
        )
        make, _ = Make.objects.get_or_create(slug=name.lower(), defaults={"name": name, "country": country})
        make.manufacturers.add(manufacturer)
        makes.append(make)
        for i in range(2):
            plants.append(
                Plant(
                    name=f"{name} Assembly Plant {i + 1}",
                    code=f"BENCH{m:02d}{i}",
                    manufacturer=manufacturer,
                    city=f"City {i + 1}",
                    country=country if i == 0 else "US",
                )
            )
    plants = Plant.objects.bulk_create(plants)
    types = [
        (VehicleType.PASSENGER_CAR, "Sedan/Saloon"),
        (VehicleType.MPV, "Sport Utility Vehicle (SUV)/Multi-Purpose Vehicle (MPV)"),
        (VehicleType.TRUCK, "Pickup"),
    ]
    vehicle_models = []
    for i in range(VEHICLE_MODELS):
        make = makes[i % len(makes)]
        vehicle_type, body = types[i % len(types)]
        name = f"{MODEL_WORDS[(i // len(makes)) % len(MODEL_WORDS)]} {i}"
        vehicle_models.append(
            VehicleModel(
                make=make,
                name=name,
                slug=name.lower().replace(" ", "-"),
                vehicle_type=vehicle_type,
                body_class=body,
                segment="midsize",
                description="A model line made up for the benchmark.",
            )
        )
    vehicle_models = VehicleModel.objects.bulk_create(vehicle_models)
    powertrains = Powertrain.objects.bulk_create(
        [
            Powertrain(
                vehicle_model=vm,
                name=f"{engine} {k}",
                engine_type=engine,
                fuel_type=FuelType.ELECTRIC if engine == EngineType.BEV else FuelType.GASOLINE,
                displacement_cc=None if engine == EngineType.BEV else 2487,
                cylinders=None if engine == EngineType.BEV else 4,
                power_kw=Decimal(rng.randint(90, 400)),
                torque_nm=Decimal(rng.randint(200, 700)),
                transmission="e-CVT",
            )
            for vm in vehicle_models
            for k, engine in enumerate(rng.sample([EngineType.ICE, EngineType.HEV, EngineType.BEV], 2))
        ]
    )
    by_model = {}
    for powertrain in powertrains:
        by_model.setdefault(powertrain.vehicle_model_id, []).append(powertrain)
    years = ModelYear.objects.bulk_create(
        [
            ModelYear(
                vehicle_model=vm,
                year=year,
                trim=trim,
                doors=4,
                seats=5,
                drive_type=DriveType.AWD,
                powertrain=rng.choice(by_model[vm.pk]),
            )
            for vm in vehicle_models
            for year in (2025, 2026)
            for trim in ("", "Limited")
        ]
    )
    ModelYear.plants.through.objects.bulk_create(
        [ModelYear.plants.through(modelyear_id=my.pk, plant_id=rng.choice(plants).pk) for my in years]
    )
    MarketAvailability.objects.bulk_create(
        [
            MarketAvailability(
                vehicle_model=vm,
                market=market,
                status=AvailabilityStatus.ON_SALE,
                announced_on=date(2025, 1, 15),
                start=date(2026, 1, 1),
                start_precision=DatePrecision.YEAR,
                source_plant=rng.choice(plants),
            )
            for vm in vehicle_models
            for market in rng.sample(markets, 3)
        ]
    )
    return vehicle_models


def _images(rng):
    """Real JPEG originals (1600x900), so renditions are made from real pixels."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    folder = settings.MEDIA_ROOT / "images" / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for i in range(IMAGES):
        picture = PILImage.new("RGB", (1600, 900), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(picture)
        for _ in range(12):
            x, y = rng.randrange(1500), rng.randrange(800)
            draw.rectangle((x, y, x + rng.randrange(50, 400), y + rng.randrange(50, 300)), fill=_colour(rng))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=82)
        data = buffer.getvalue()
        name = f"images/originals/bench-{i:03d}.jpg"
        (settings.MEDIA_ROOT / name).write_bytes(data)
        images.append(
            Image(
                file=name,
                title=f"Test car {i}",
                alt_text=f"A test car photographed for the benchmark, number {i}",
                caption="A car on a test track.",
                credit="Newsroom",
                width=1600,
                height=900,
                format="JPEG",
                byte_size=len(data),
                content_hash=hashlib.sha256(data).hexdigest(),
            )
        )
    return Image.objects.bulk_create(images)


def _colour(rng):
    return tuple(rng.randrange(256) for _ in range(3))


def _partner_model():
    """The syndication app's Partner, when its table exists (the API may not be built yet)."""
    from django.db import connection

    try:
        from newsroom.syndication.models import Partner
    except ImportError:
        return None
    if Partner._meta.db_table not in connection.introspection.table_names() or not hasattr(Partner, "issue_key"):
        return None
    return Partner


def partner_keys():
    """Make sure the 20 partners exist (without rate limits that a load test would hit), and
    issue a fresh key for each, first partner first: keys are stored hashed, so each run issues
    its own. None while the syndication app has no partners."""
    Partner = _partner_model()
    if Partner is None:
        return None
    Partner.objects.bulk_create(
        [
            Partner(name=f"Partner {i:02d}", contact_email=f"partner{i}@example.com", rate_limit_per_minute=10**9)
            for i in range(PARTNERS)
        ],
        ignore_conflicts=True,
    )
    partners = Partner.objects.filter(name__in=[f"Partner {i:02d}" for i in range(PARTNERS)]).order_by("name")
    return [partner.issue_key(name="benchmark")[1] for partner in partners]
