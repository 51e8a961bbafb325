"""How the read API loads what it shows: which rows, in how many queries, and the keys (ETag and
Last-Modified inputs) read before loading them. What a partner may see is decided in ``changes``;
the querysets here start from there.

    page_keys(request, partner, now, articles)  a page of articles as keys only, and the feed position
    article_keys(partner, pk, now)              one article as its keys only
    with_related(articles)                     related rows and renditions, a fixed number of queries
                                               (for the stored documents, ``documents.build``)
    vehicle_models(partner)                    vehicle models with everything their record shows
"""

from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter

from django.db.models import DateTimeField, F, IntegerField, Prefetch, Subquery, Value, prefetch_related_objects

from articles import readmodel
from articles.models import ArticleVehicle, Byline, MarketReport
from newsroom.core.prepared import Prepared, Shape, Stored
from newsroom.media.models import Rendition
from newsroom.syndication.changes import articles_in, feed_position, reported_in_readable
from newsroom.syndication.facts import article_facts
from newsroom.syndication.models import ChangeEvent
from newsroom.syndication.pagination import KeysetPaginator, encode_cursor, page_size
from vehicles.models import Manufacturer, MarketAvailability, ModelYear, Plant, VehicleModel

# An article's keys: its id, its go-live time (the page's sort key) and when the stored documents
# served now were built (``readmodel.served_since``). Answers are written from those documents as
# stored, and the read model dates every change to them, at its workflow steps and when a record
# they show changes (a renamed tag, a new rendition), so the ETag (the ids and ``built_at``) and
# Last-Modified (``changed_at``) move exactly when what is served does, from one indexed read
# (``_window``).
RENDITION_COLUMNS = ("image_id", "spec", "format", "file", "width", "height", "byte_size")

ARTICLE_ORDER = KeysetPaginator((("publish_at", "datetime"), ("id", "int")), descending=True)


def changed_at(publish_at, built_at):
    """The Last-Modified that goes with an article's fingerprint (its id and ``built_at``): when
    what is served of it last changed, or it went live (a story stored while scheduled is built
    before its minute)."""
    return max(publish_at, built_at)


@dataclass
class PageKeys:
    """What decides a page of the list before its documents are read (its ETag and Last-Modified)."""

    ids: list
    fingerprints: list  # (id, built_at as read) of each article on the page
    position: int  # the change feed's, read in the page's statement
    last_modified: object
    next_after: tuple | None = None  # (go-live time, id) of the page's last article when more follow
    upcoming: object = None  # the next go-live minute after the page's ``now``, read with it (None: none)

    @property
    def cursor(self):
        """The next page's, or None: written only for an answer that shows it (never a 304's)."""
        return encode_cursor(list(self.next_after)) if self.next_after else None


def _window(articles, now):
    """The page's keys of ``articles``: each article's id, go-live time and ``built_at``, with the
    change feed's position, its newest change's time and the next go-live minute (until which keys
    read at ``now`` hold with no event), in one statement."""
    return articles.annotate(
        stored_publish_at=Stored("publish_at", output_field=DateTimeField()),  # compared, not shown (``_PAGE``)
        built_at=readmodel.served_since(now, prefix="public__"),
        feed_position=feed_position(now),
        feed_at=Subquery(_FEED_HEAD.values("occurred_at")[:1]),
        upcoming=readmodel.next_change_at(now),
    ).values_list("id", "stored_publish_at", "built_at", "feed_position", "feed_at", "upcoming")


_FEED_HEAD = ChangeEvent.objects.order_by("-id")
ID, PUBLISH_AT, BUILT_AT, FEED_POSITION, FEED_AT, UPCOMING = range(6)  # _window's columns
# The list's page without a filter (every partner's poll), compiled once per connection, page size
# and shape of cursor and sections (``newsroom.core.prepared``): compiling cost more than running
# it. Each row's values are compared and hashed as read; only the few the answer shows are converted.
_PAGE = Prepared(
    lambda now, sections, every, size, paged, after_at, after_id: ARTICLE_ORDER.window(
        _window(articles_in(None if every else sections, now), now), (after_at, after_id) if paged else None, size
    ),
    as_stored=(PUBLISH_AT, BUILT_AT, FEED_POSITION, FEED_AT, UPCOMING),
    now=DateTimeField(),
    sections=[IntegerField()],
    every=Shape(),
    size=Shape(),
    paged=Shape(),
    after_at=DateTimeField(),
    after_id=IntegerField(),
)


def page_keys(request, partner, now, articles=None):
    """``PageKeys`` of the page the request asks for of what ``partner`` may read at ``now``, or of
    ``articles`` (what it may read, filtered) when given.

    A publication committing during the request must be on the page or after the position, so
    the position is read in the page's own statement (one snapshot). An empty page has no row
    to carry it: then the position is read first and the page looked at again after it."""
    size = page_size(request)
    after = ARTICLE_ORDER.after_cursor(request)
    if articles is None:
        section_ids = partner.section_ids()
        at, pk = after or (None, None)
        values = {"sections": sorted(section_ids or ()), "every": section_ids is None, "size": size}
        values.update(paged=after is not None, after_at=at, after_id=pk)

        def look():
            return _PAGE(now=now, **values)

        convert = _PAGE.convert
    else:

        def look():
            return list(ARTICLE_ORDER.window(_window(articles, now), after, size))

        def convert(position, value):
            return value  # the ORM's rows come converted

    rows = look()
    if not rows:
        head = _FEED_HEAD.values_list("occurred_at", feed_position(now)).first() or (None, 0)
        rows = look()
        if not rows:
            return PageKeys([], [], head[1], head[0])
    more, rows = len(rows) > size, rows[:size]
    newest = changed_at(
        convert(PUBLISH_AT, max(map(itemgetter(PUBLISH_AT), rows))),
        convert(BUILT_AT, max(map(itemgetter(BUILT_AT), rows))),
    )
    # Rows of the second look (published since the first) carry a position of their own too.
    first = rows[0]
    return PageKeys(
        ids=[row[ID] for row in rows],
        fingerprints=[(row[ID], row[BUILT_AT]) for row in rows],
        position=convert(FEED_POSITION, first[FEED_POSITION]),
        last_modified=max(filter(None, (newest, convert(FEED_AT, first[FEED_AT])))),
        next_after=(convert(PUBLISH_AT, rows[-1][PUBLISH_AT]), rows[-1][ID]) if more else None,
        upcoming=convert(UPCOMING, first[UPCOMING]),
    )


_ARTICLE = Prepared(
    lambda pk, now, sections, every: (
        articles_in(None if every else sections, now)
        .filter(pk=pk)
        .values_list("publish_at", readmodel.served_since(now, prefix="public__"))
    ),
    pk=IntegerField(),
    now=DateTimeField(),
    sections=[IntegerField()],
    every=Shape(),
)


def article_keys(partner, pk, now):
    """The article ``pk``'s fingerprint (its id and ``built_at``) and Last-Modified if ``partner``
    may read it at ``now``, else None: one prepared read."""
    section_ids = partner.section_ids()
    rows = _ARTICLE(pk=pk, now=now, sections=sorted(section_ids or ()), every=section_ids is None)
    return article_validators(pk, *rows[0]) if rows else None


def article_validators(pk, publish_at, built_at):
    """The article ``pk``'s fingerprint and Last-Modified, from its go-live time and when what is
    served of it was built (``readmodel.served_since``), however they were read."""
    return (pk, built_at), changed_at(publish_at, built_at)


# What the documents show of an article's related rows, each loaded once per batch, each in a plain
# list (``to_attr``), which the documents read: a related manager would cost a queryset clone per
# article, per lookup.
RELATED_LOOKUPS = (
    Prefetch("tags", to_attr="tag_list"),
    Prefetch("corrections", to_attr="correction_list"),
    Prefetch("bylines", queryset=Byline.objects.select_related("author"), to_attr="byline_list"),
    Prefetch(
        "article_vehicles",
        queryset=ArticleVehicle.objects.select_related("vehicle_model__make", "model_year"),
        to_attr="vehicle_links",
    ),
    Prefetch(  # markets: ninjs only
        "vehicle_links__vehicle_model__availabilities",
        queryset=MarketAvailability.objects.select_related("market"),
        to_attr="availability_list",
    ),
)


def with_related(articles):
    """Articles with everything both formats show (manufacturers and markets only in ninjs), in a
    fixed number of queries, and their public facts in ``article.facts``."""
    prefetch_related_objects(articles, *RELATED_LOOKUPS)
    _attach_manufacturers([link.vehicle_model for article in articles for link in article.vehicle_links])
    _attach_renditions([article.lead_image for article in articles if article.lead_image])
    for article in articles:
        article.facts = article_facts(article)
    return articles


def shown_keys(article):
    """The cache keys (``newsroom.core.cache_keys``) of what an article's document shows, from what
    ``with_related`` loaded: the article, its section, picture, tags, bylines and vehicle records."""
    shown = [article, article.section, article.lead_image, *article.tag_list]
    shown += [byline.author for byline in article.byline_list]
    for link in article.vehicle_links:
        vehicle = link.vehicle_model
        shown += [vehicle, vehicle.make, *getattr(vehicle, "manufacturer_list", ())]
        shown += [availability.market for availability in getattr(vehicle, "availability_list", ())]
    return shown


def _attach_manufacturers(vehicle_models):
    """Each model's builders (``VehicleModel.builders``) in ``vehicle_model.manufacturer_list``, from
    one query for all: the companies of its plants and of its make, told apart by ``at_plant``.
    Prefetching plants through model years would cost two queries more per page."""
    if not vehicle_models:
        return
    ids = {vehicle_model.pk for vehicle_model in vehicle_models}
    at_plants = Manufacturer.objects.annotate(
        vehicle_model_id=F("plants__model_years__vehicle_model"), at_plant=Value(True)
    ).filter(vehicle_model_id__in=ids)
    of_makes = Manufacturer.objects.annotate(vehicle_model_id=F("makes__vehicle_models"), at_plant=Value(False)).filter(
        vehicle_model_id__in=ids
    )
    candidates = defaultdict(lambda: {True: [], False: []})
    for manufacturer in at_plants.order_by().union(of_makes.order_by(), all=True).order_by("name"):
        candidates[manufacturer.vehicle_model_id][manufacturer.at_plant].append(manufacturer)
    for vehicle_model in vehicle_models:
        found = candidates[vehicle_model.pk]
        vehicle_model.manufacturer_list = VehicleModel.builders(found[True], found[False])


def _attach_renditions(images):
    """Each image's renditions as plain rows in ``image.rendition_rows``, oldest first, in one query:
    a page shows several per image, hundreds in all: too many to build as model instances."""
    if not images:
        return
    rows = defaultdict(list)
    renditions = Rendition.objects.filter(image__in={image.pk for image in images}).order_by("pk")
    for row in renditions.values(*RENDITION_COLUMNS):
        rows[row["image_id"]].append(row)
    for image in images:
        image.rendition_rows = rows[image.pk]


def vehicle_models(partner):
    """Vehicle models with everything their record shows, each launch with the id of the article
    that reported it (``reported_in_id``) and whether this partner can read it (``reported_in_readable``)."""
    return VehicleModel.objects.select_related("make").prefetch_related(
        "make__manufacturers",
        Prefetch(
            "model_years",
            queryset=ModelYear.objects.select_related("powertrain").prefetch_related(
                Prefetch("plants", queryset=Plant.objects.select_related("manufacturer"))
            ),
        ),
        Prefetch(
            "availabilities",
            queryset=MarketAvailability.objects.select_related("market", "source_plant").annotate(
                reported_in_id=MarketReport.article_id_of(), reported_in_readable=reported_in_readable(partner)
            ),
        ),
    )
