"""How articles are presented to readers: the context of the story page, the cards that lists
show, and what both load. ``articles.readmodel`` builds and stores them at each workflow step;
the admin preview renders a draft with the same functions."""

import json

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import Prefetch, Q, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import jsonld
from articles.models import Article, ArticleVehicle, Byline, Section
from newsroom.core.prepared import Prepared
from newsroom.core.site import absolute_url
from newsroom.media.models import Rendition
from newsroom.media.renditions import SHARE_SPEC
from newsroom.media.templatetags.images import image_url
from vehicles import units
from vehicles.models import MARKET_TIMELINE_ORDER, MarketAvailability, Powertrain

RELATED_ARTICLES = 4

# The renditions pages show, and only the columns `responsive_image` and `image_url` read: an
# image has a row per size, format and crop (partners' API sizes, older focal points too), and
# turning all of them into model instances was a large part of a list page's work. Cards show
# 16:9 crops (crop="16x9" in _card.html); the article page shows the whole picture and shares a
# 16:9 crop.
RENDITION_COLUMNS = ("image_id", "spec", "format", "focal_key", "file", "width", "height")
CARD_RENDITIONS = Rendition.objects.filter(spec__startswith="fill-16x9-").only(*RENDITION_COLUMNS)
CARD_IMAGES = Prefetch("lead_image__renditions", queryset=CARD_RENDITIONS)
ARTICLE_RENDITIONS = Rendition.objects.filter(Q(spec__startswith="width-") | Q(spec=SHARE_SPEC)).only(
    *RENDITION_COLUMNS
)


def listing(queryset, images=True):
    """What every list of article cards needs, in a fixed number of queries. Cards never show
    the body, the largest column by far, so it is not loaded. Without ``images``, the cards'
    renditions are left for ``with_card_images`` (cards that show no picture need none)."""
    queryset = (
        queryset.select_related("section", "lead_image")
        .defer("body")
        .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
    )
    return queryset.prefetch_related(CARD_IMAGES) if images else queryset


def with_card_images(articles):
    """Load the card renditions of ``articles``' lead images, in one query."""
    prefetch_related_objects(articles, CARD_IMAGES)


def story_lookups(renditions=ARTICLE_RENDITIONS):
    """The prefetches ``story_context`` reads, for one article or a batch of them."""
    return [
        Prefetch("bylines", queryset=Byline.objects.select_related("author")),
        "tags",
        "corrections",
        Prefetch("lead_image__renditions", queryset=renditions),
        Prefetch(
            "article_vehicles",
            queryset=ArticleVehicle.objects.select_related("vehicle_model__make", "model_year__powertrain"),
        ),
        Prefetch("article_vehicles__vehicle_model__powertrains", queryset=Powertrain.objects.all()),
        Prefetch(
            "article_vehicles__vehicle_model__availabilities",
            queryset=MarketAvailability.objects.select_related("market", "source_plant").order_by(
                *MARKET_TIMELINE_ORDER
            ),
        ),
    ]


def article_page_context(article):
    """Everything the article page shows besides ``article`` itself, related stories included, as
    the admin preview shows a draft. Readers are served the stored story (``articles.readmodel``)."""
    context = story_context(article)
    related = listing(Article.objects.related_to(article, RELATED_ARTICLES))
    context["related_cards"] = [render_card(story, "related") for story in related]
    return context


def story_context(article):
    """What the stored article page shows besides ``article`` itself, in a fixed number of queries
    (none for a batch loaded with ``story_lookups``): bylines, tags, corrections, the vehicles box
    and metadata."""
    prefetch_related_objects([article], *story_lookups())
    authors = [byline.author for byline in article.bylines.all()]
    tags = list(article.tags.all())
    share_image = share_image_url(article.lead_image) if article.lead_image_id else None
    context = {
        "authors": authors,
        "tags": tags,
        "corrections": list(article.corrections.all()),
        "vehicles": [vehicle_box(link) for link in article.article_vehicles.all()],
        "canonical_url": absolute_url(article.get_absolute_url()),
        "share_image_url": share_image,
    }
    context["json_ld"] = mark_safe(jsonld.script(article, context))  # noqa: S308 - escaped by script_json
    return context


def vehicle_url(vehicle_model):
    try:
        return vehicle_model.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return None


def vehicle_box(link):
    """Key specs and market availability of one vehicle an article is about."""
    vehicle = link.vehicle_model
    model_year = link.model_year
    powertrains = [model_year.powertrain] if model_year and model_year.powertrain else vehicle.powertrains.all()
    return {
        "name": str(vehicle),
        "model_year": model_year,
        "url": vehicle_url(vehicle),
        "body": (model_year.body_class if model_year else "") or vehicle.body_class,
        "segment": vehicle.segment,
        "vehicle_type": vehicle.get_vehicle_type_display(),
        "powertrains": [powertrain_line(powertrain) for powertrain in powertrains],
        "markets": [availability_line(availability) for availability in vehicle.availabilities.all()],
    }


def powertrain_line(powertrain):
    power = f"{units.format_number(powertrain.power_kw)} kW ({units.kw_to_hp(powertrain.power_kw)} hp)"
    parts = [power]
    if powertrain.torque_nm:
        parts.append(
            f"{units.format_number(powertrain.torque_nm)} N·m ({units.nm_to_lbft(powertrain.torque_nm)} lb-ft)"
        )
    return {
        "name": powertrain.name,
        "kind": powertrain.get_engine_type_display(),
        "figures": ", ".join(parts),
        "transmission": powertrain.transmission,
        "unconfirmed": powertrain.figures_unconfirmed,
    }


def availability_line(availability):
    """One market: "Japan: announced 19 Dec 2025, on sale from 2026, built in …" (vehicles' wording)."""
    return {
        "market": availability.market.name,
        "timeline": availability.timeline(),
        "note": availability.note,
    }


def share_image_url(image):
    """The absolute URL of the 16:9 rendition used for social cards and JSON-LD (None when there is nothing to show)."""
    return image_url(image, SHARE_SPEC) or None


# A card is shown in these forms; each is stored as HTML (``articles.readmodel``) and the lists
# write it as it is. "search" carries SNIPPET where the matching words go, filled per query.
CARD_VARIANTS = {
    "lead": {
        "variant": "lead",
        "heading": "h2",
        "show_image": True,
        "show_section": True,
        "show_standfirst": True,
        "image_sizes": "(min-width: 60rem) 42rem, 100vw",
        "image_widths": "320 640 1024 1600",
        "loading": "eager",
    },
    "compact": {"variant": "compact", "show_section": True},
    "block": {"show_image": True, "show_standfirst": True},
    "row": {
        "variant": "row",
        "heading": "h2",
        "show_image": True,
        "show_section": True,
        "show_standfirst": True,
        "image_sizes": "(min-width: 40rem) 16rem, 100vw",
    },
    "search": {"variant": "row", "heading": "h2", "show_section": True, "show_snippet": True},
    "related": {"show_image": True, "show_section": True},
}
SNIPPET = "\ue000snippet\ue000"  # private-use characters: no headline or word has them
SNIPPET_HTML = f'<p class="snippet">{SNIPPET}</p>'


def render_card(article, variant):
    """``article``'s card in one of ``CARD_VARIANTS``, loaded as ``listing`` loads it."""
    snippet = SNIPPET if variant == "search" else None
    if snippet:
        article.snippet = snippet
    return render_to_string("articles/_card.html", {"article": article, **CARD_VARIANTS[variant]})


def fill_snippet(card, snippet):
    """A stored search card with ``snippet`` (safe HTML: ``articles.search`` marks the matches in
    escaped text) in place, or without its paragraph."""
    return mark_safe(card.replace(SNIPPET, snippet) if snippet else card.replace(SNIPPET_HTML, ""))  # noqa: S308


_SECTION_FIELDS = [field.attname for field in Section._meta.concrete_fields]
# Every page's navigation: compiled once per connection (``newsroom.core.prepared``).
_SECTIONS = Prepared(lambda: Section.objects.values_list(*_SECTION_FIELDS))


def nav_sections():
    """The sections, in navigation order (``Section.Meta.ordering``)."""
    return [Section.from_db(DEFAULT_DB_ALIAS, _SECTION_FIELDS, row) for row in _SECTIONS()]


class NavSections(models.Expression):
    """``nav_sections`` as one JSON text, for a page's own read to select beside its rows (one
    statement fewer per page; ``sections_from`` reads it): an array of each section's fields and
    its rank in navigation order, since neither database promises an aggregate's order."""

    output_field = models.TextField()

    def _sql(self, connection, aggregate):
        ranked = Section.objects.order_by().annotate(nav_rank=Window(RowNumber(), order_by=Section._meta.ordering))
        query = ranked.values_list(*_SECTION_FIELDS, "nav_rank").query
        rows, params = query.get_compiler(connection=connection).as_sql()
        items = ", ".join(connection.ops.quote_name(name) for name in [*_SECTION_FIELDS, "nav_rank"])
        return f"(SELECT {aggregate.format(items)} FROM ({rows}) AS nav)", params  # noqa: S608 - no values

    def as_sql(self, compiler, connection):  # SQLite
        return self._sql(connection, "json_group_array(json_array({}))")

    def as_postgresql(self, compiler, connection):
        return self._sql(connection, "json_agg(json_build_array({}))::text")


def sections_from(selected):
    """``nav_sections``' answer from what a read selected as ``NavSections()``."""
    rows = sorted(json.loads(selected or "[]"), key=lambda row: row[-1])
    return [Section.from_db(DEFAULT_DB_ALIAS, _SECTION_FIELDS, row[:-1]) for row in rows]


# What the vehicle page shows of each article about the model: compiled once per connection (and
# limit), the rows made into articles without the ORM's queryset machinery (~10,000 Python calls
# for 30 articles, most of the page once its record parts were stored).
# In the model's order, as ``Model.from_db`` reads a row with fewer fields than the model's.
_ABOUT_VEHICLE_FIELDS = [
    field.attname
    for field in Article._meta.concrete_fields
    if field.attname in {"id", "headline", "slug", "publish_at", "first_published_at"}
]
_about_vehicle = {}  # limit -> Prepared


def live_articles_about(vehicle_model, limit):
    """``Article.objects.about_vehicle_model`` now, with the fields the vehicle page shows (the
    ``vehicles.models.live_articles_about`` hook)."""
    read = _about_vehicle.get(limit)
    if read is None:
        read = _about_vehicle[limit] = Prepared(
            lambda vehicle, now: Article.objects.about_vehicle_model(vehicle, limit, now).values_list(
                *_ABOUT_VEHICLE_FIELDS
            ),
            vehicle=models.IntegerField(),
            now=models.DateTimeField(),
        )
    rows = read(vehicle=vehicle_model.pk, now=timezone.now())
    return [Article.from_db(DEFAULT_DB_ALIAS, _ABOUT_VEHICLE_FIELDS, row) for row in rows]
