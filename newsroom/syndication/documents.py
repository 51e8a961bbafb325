"""The API's stored documents: each live article's native JSON and ninjs document, built by the
read model (``articles.readmodel``) at the article's workflow steps and when a record it shows
changes, and written into answers as stored, never decoded and serialised again.

    build(articles)                    {article id: {kind: text}}: the read model's builder
    shows(article)                     keys of records the documents show beyond the read model's own
    stored(partner, ids, kind, now)    {article id: (document as UTF-8 bytes, its Surrogate-Keys)}, one query
    body(envelope, last)               the answer's bytes: ``envelope`` with stored JSON as its last value
    array_body(envelope, items)        the same with a JSON array of stored JSON as its last value

A stored document is the text ``JSONRenderer`` makes of it (compact separators, UTF-8 unescaped,
U+2028/U+2029 escaped), so an answer spliced from stored documents is byte for byte the one the
renderer would make of the decoded documents. It holds nothing of the request: links are the
site's own (``newsroom.core.site``), media URLs unsigned (``querystring_auth`` off), times in
the site's time zone (the read model builds under it, as requests run).
"""

from collections import defaultdict

from django.db.models import CharField, DateTimeField, IntegerField
from rest_framework.renderers import JSONRenderer

from articles import readmodel
from newsroom.core import cache_keys
from newsroom.core.prepared import Prepared, Shape
from newsroom.syndication import loading, ninjs, serializers
from newsroom.syndication.changes import articles_in
from vehicles.models import Manufacturer, ModelYear, Plant

NATIVE = "api"
NINJS = "ninjs"
# Each format's Surrogate-Keys: what ``loading.shown_keys`` gives for the articles it loads.
KEYS = {NATIVE: "api-keys", NINJS: "ninjs-keys"}
# What stored documents are rendered by: the API's own renderer (both formats render alike).
RENDERER = JSONRenderer()


def render(data):
    """``data`` as the API's renderer writes it, as text."""
    return RENDERER.render(data).decode()


def _ninjs_only(article):
    """What only the ninjs document shows of ``article``'s vehicles: their builders and markets."""
    shown = []
    for link in article.vehicle_links:
        shown += link.vehicle_model.manufacturer_list
        shown += [availability.market for availability in link.vehicle_model.availability_list]
    return {cache_keys.of(thing) for thing in shown}


def build(articles):
    """Both documents of each of ``articles`` (loaded by ``readmodel.load``) with the keys each
    answer showing it carries (``loading.shown_keys``): the ninjs related rows (markets,
    manufacturers) load for both, in a fixed number of queries for the batch."""
    loading.with_related(articles)
    _attach_plants([link.vehicle_model for article in articles for link in article.vehicle_links])
    forms = {}
    for article in articles:
        shown = {cache_keys.of(thing) for thing in loading.shown_keys(article) if thing is not None}
        forms[article.pk] = {
            NATIVE: render(serializers.ArticleSerializer(article).data),
            KEYS[NATIVE]: " ".join(sorted(shown - _ninjs_only(article))),
            NINJS: render(ninjs.article_document(article)),
            KEYS[NINJS]: " ".join(sorted(shown)),
        }
    return forms


def _attach_plants(vehicle_models):
    """Each model's plants' ids in ``vehicle_model.plant_ids``, in one query for all: a plant's
    company decides the model's builders (``VehicleModel.builders``), so its change rebuilds them."""
    plants = defaultdict(list)
    through = ModelYear.plants.through.objects.filter(
        modelyear__vehicle_model__in={model.pk for model in vehicle_models}
    )
    for vehicle_model_id, plant_id in through.values_list("modelyear__vehicle_model_id", "plant_id").distinct():
        plants[vehicle_model_id].append(plant_id)
    for vehicle_model in vehicle_models:
        vehicle_model.plant_ids = plants[vehicle_model.pk]


def shows(article):
    """Records the documents show that the read model's own keys leave out: a vehicle's builders,
    and the plants whose company makes them its builders."""
    keys = []
    for link in article.vehicle_links:
        vehicle_model = link.vehicle_model
        keys += [cache_keys.key(Manufacturer, manufacturer.pk) for manufacturer in vehicle_model.manufacturer_list]
        keys += [cache_keys.key(Plant, plant_id) for plant_id in vehicle_model.plant_ids]
    return keys


def _documents(ids, kind, keys_kind, now, sections, every):
    """Those of ``ids`` live at ``now`` in ``sections`` (``every`` section), one row per article,
    with its stored ``kind`` document as UTF-8 bytes and its Surrogate-Keys (``keys_kind``), each
    read by its own index entry: read as rows of every form (``readmodel.forms_read``), the list's
    100 were looked up among each article's 18 forms and sorted with the documents' 550 kB (0.5 ms
    of the server's CPU more per list of 50)."""
    live = articles_in(None if every else sections, now).filter(pk__in=ids, public__publish_at__lte=now)
    with_document = readmodel.with_form(live, kind, name="document", now=now, as_bytes=True)
    return readmodel.with_form(with_document, keys_kind, name="keys", now=now).order_by()


_PARAMETERS = {
    "ids": [IntegerField()],
    "kind": CharField(),
    "keys_kind": CharField(),
    "now": DateTimeField(),
    "sections": [IntegerField()],
    "every": Shape(),
}
# Compiled once per connection and shape (``newsroom.core.prepared``): every answer with documents runs it.
_STORED = Prepared(lambda **values: _documents(**values).values_list("pk", "document", "keys"), **_PARAMETERS)
# One article's document for its answer (a 200 of the detail), with what its validators are made of
# (``loading.article_validators``): one statement where reading the keys, then the document, took two.
_ONE = Prepared(
    lambda now, **values: (
        _documents(now=now, **values)
        .annotate(served_since=readmodel.served_since(now, prefix="public__"))
        .values_list("document", "keys", "publish_at", "served_since")
    ),
    **_PARAMETERS,
)


def _read(read, partner, ids, kind, now):
    section_ids = partner.section_ids()
    values = {"sections": sorted(section_ids or ()), "every": section_ids is None}
    return read(ids=list(ids), kind=kind, keys_kind=KEYS[kind], now=now, **values)


def stored(partner, ids, kind, now):
    """{article id: (stored ``kind`` document as UTF-8 bytes, its Surrogate-Keys as a list)} of those of ``ids``
    live at ``now`` and readable by ``partner`` (``changes.articles_in``; read again: one
    unpublished or moved out of the partner's sections since its keys were read is left out), in
    one query: the database checks those few, not every readable article."""
    return {
        article_id: (document, keys.split())
        for article_id, document, keys in _read(_STORED, partner, ids, kind, now)
        if document is not None and keys is not None
    }


def stored_one(partner, pk, kind, now):
    """(stored ``kind`` document of article ``pk`` as UTF-8 bytes, its Surrogate-Keys as a list,
    its validators as ``loading.article_validators`` gives them) if it is live at ``now`` and
    ``partner`` may read it, else None: one query."""
    rows = _read(_ONE, partner, [pk], kind, now)
    if not rows or rows[0][0] is None or rows[0][1] is None:
        return None
    document, keys, publish_at, served_since = rows[0]
    return document, keys.split(), loading.article_validators(pk, publish_at, served_since)


def _opening(envelope):
    """``envelope`` (a dict whose last value is None) rendered by the API's renderer, up to that value."""
    rendered = RENDERER.render(envelope)
    if not rendered.endswith(b"null}"):
        raise ValueError("the envelope's last value must be None")
    return rendered[: -len(b"null}")]


def body(envelope, last):
    """The bytes of ``envelope`` (a dict whose last value is None) rendered by the API's renderer,
    with ``last`` (JSON bytes) as that last value: stored documents go in as they are."""
    return b"".join((_opening(envelope), last, b"}"))


def array_body(envelope, items):
    """``body`` with the JSON array of ``items`` (JSON bytes, separated as the renderer separates
    them) as the last value, joined in one copy: a list of 50 stored documents is 550 kB, and each
    copy of it costs the worker a fresh 550 kB of memory."""
    items = list(items)
    if not items:
        return _opening(envelope) + b"[]}"
    items[0] = _opening(envelope) + b"[" + items[0]
    items[-1] += b"]}"
    return b",".join(items)
