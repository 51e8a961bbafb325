"""The partner read API. Views translate a request into calls and their answer into a response:
what a partner may see is decided in ``changes``, how it is loaded in ``loading``."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import APIException
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from articles.models import Article, Section, Tag
from newsroom.core import cache_keys, pagecache
from newsroom.syndication import changes, http, links, loading, ninjs, serializers
from newsroom.syndication import documents as stored
from newsroom.syndication.authentication import ApiKeyAuthentication, presented_key
from newsroom.syndication.filters import ArticleFilter, VehicleModelFilter
from newsroom.syndication.pagination import (
    CURSOR_PATTERN,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    KeysetPaginator,
    decode_cursor,
    encode_cursor,
    next_link,
    page_size,
)
from newsroom.syndication.permissions import PartnerKeyRequired, serves
from newsroom.syndication.problems import PROBLEM_CONTENT_TYPE, InvalidParameter
from newsroom.syndication.problems import exception_handler as problem_exception_handler
from newsroom.syndication.throttling import PartnerRateThrottle, admit
from vehicles import vin as vins
from vehicles.models import Make, Manufacturer, Market, Plant, VehicleModel


class NinjsRenderer(JSONRenderer):
    media_type = ninjs.NINJS_CONTENT_TYPE
    format = "ninjs"


def _problems(*statuses):
    return {(status, PROBLEM_CONTENT_TYPE): serializers.ProblemSerializer for status in statuses}


READ_PROBLEMS = _problems(400, 401, 404, 406, 412, 429)
PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": CURSOR_PATTERN},
        description="Opaque position from a previous page's `next` link (or the change feed's `cursor`); "
        "any other value is a 400.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
        description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
]
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "ninjs"],
    description="`ninjs` for IPTC ninjs 3.1 (same as `Accept: application/ninjs+json`).",
)


def readable_documents(request, partner, ninjs_format, ids, now):
    """{article id: its stored document, ninjs or native} of those of ``ids`` that ``partner`` may
    still read at ``now``, in one query; their keys are shown on ``request``'s answer
    (``loading.shown_keys``, as stored). Django's request or REST framework's."""
    found = stored.stored(partner, ids, stored.NINJS if ninjs_format else stored.NATIVE, now)
    for _, keys in found.values():
        cache_keys.show_keys(request=request, keys=keys)
    return {article_id: document for article_id, (document, _) in found.items()}


class PartnerView(GenericAPIView):
    """Key required, throttled per partner, problem documents for errors, conditional GETs."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [PartnerKeyRequired]
    throttle_classes = [PartnerRateThrottle]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = http.FormatNegotiation
    filter_backends: list = []
    pagination_class = None
    content_type = "articles"
    last_modified = None
    etag = None  # set by views that know it before serialising
    current_copy = None  # the 304 already decided while reading the validators, if it was

    @property
    def partner(self):
        return self.request.auth.partner

    def get_exception_handler(self):
        return problem_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        keys = cache_keys.shown(request)
        if keys and response.status_code in (200, 304):
            response[cache_keys.HEADER] = cache_keys.header(keys)
        return http.finish(request, response, self.last_modified, self.etag)

    def show(self, *things):
        """Record the cache keys of what this answer shows (``newsroom.core.cache_keys``)."""
        cache_keys.show(self.request, *things)

    def stored_documents(self, ids, now):
        """{article id: its stored document in the asked format} of those of ``ids`` still readable
        and live at ``now``, in one query: ``readable_documents`` for this answer's partner and format."""
        return readable_documents(self.request, self.partner, self.wants_ninjs(), ids, now)

    def stored_answer(self, envelope, results):
        """``envelope`` rendered by this answer's renderer with the JSON array of ``results``
        (stored documents, as bytes) as its last value: the documents are written as stored."""
        return HttpResponse(stored.array_body(envelope, results), content_type=self.request.accepted_media_type)

    def wants_ninjs(self):
        return self.request.accepted_renderer.format == NinjsRenderer.format


class EarlyGet:
    """A plain GET answered before REST framework runs, whose request, authentication, throttle,
    negotiation and response cost a 304 more than half its Python calls: a conditional GET of a
    current copy (304), and whatever the view answers from what it read for that (``answer``: the
    detail's stored document).

    Each step is decided by the owner REST framework's path asks: the format by
    ``http.quick_renderer``, the key by ``authentication.presented_key``, the plan by
    ``permissions.serves``, the allowance by ``throttling.admit`` (counted once, whichever path asks
    first), the validators by the view's ``read_keys`` and the headers by ``finalize_response``.
    Anything else (no key or a bad one, a refused request, an unusual ``Accept`` or ``?format=``, a
    filter, an error, a copy that is not current and no early ``answer``) goes on to REST framework,
    which finds the key, the allowance and the keys read here already (``now`` set) and reads none
    of them again."""

    now = None  # when the keys were read, once they are

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and (http.is_conditional(request) or self.answers_unconditional):
            answer = self._early(request, kwargs)
            if answer is not None:
                return answer
        return super().dispatch(request, *args, **kwargs)

    def _early(self, request, kwargs):
        chosen = http.quick_renderer(request, self.renderer_classes)
        if chosen is None or not self.reads_keys_early(request):
            return None
        try:
            api_key = presented_key(request)
        except APIException:
            return None
        if api_key is None or not serves(api_key.partner, self.content_type):
            return None
        if not admit(request, api_key)[0]:
            return None
        ninjs_format = chosen[0].format == NinjsRenderer.format
        try:
            self.read_keys(request, api_key.partner, ninjs_format, **kwargs)
        except APIException:
            return None
        if self.etag is None:  # nothing to answer for (an article the partner may not read)
            return None
        answer = self.current_copy or http.answer_early(request, self.etag, self.last_modified)
        if answer is None:
            answer = self.answer(request, api_key.partner, ninjs_format, chosen[1], **kwargs)
        if answer is None or answer.status_code not in (200, 304):
            return None
        self.headers = self.default_response_headers  # as REST framework's dispatch sets them
        return self.finalize_response(request, answer)

    answers_unconditional = False  # whether ``answer`` may answer a GET without a precondition

    def answer(self, request, partner, ninjs_format, media_type, **kwargs):
        """The answer to a GET whose copy is not current, from what ``read_keys`` read, or None for
        REST framework's path."""
        return None

    def reads_keys_early(self, request):
        """Whether ``read_keys`` can be read from Django's ``request`` alone."""
        return True


class ArticleList(EarlyGet, PartnerView):
    """Live articles in your sections, newest first, as JSON or ninjs. For a full sync, page through
    with `next`, then follow the change feed from `changes_cursor`."""

    renderer_classes = [JSONRenderer, NinjsRenderer]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ArticleFilter

    def get_queryset(self):
        """What the filters apply to, for the schema; a request filters ``changes.readable_articles`` at its own now."""
        return Article.objects.none()

    @extend_schema(
        operation_id="articles_list",
        summary="Published articles, newest first",
        filters=True,
        parameters=[*PAGE_PARAMETERS, FORMAT_PARAMETER],
        responses={
            (200, "application/json"): serializers.ArticlePageSerializer,
            (200, ninjs.NINJS_CONTENT_TYPE): OpenApiTypes.OBJECT,
            **READ_PROBLEMS,
        },
        examples=[
            OpenApiExample(
                "First page",
                response_only=True,
                media_type="application/json",
                value={
                    "next": "https://newsroom.example/api/v1/articles/?cursor=WyIyMDI2LTAyLTE2VDA5OjAwOjAwWiIsIDQyXQ",
                    "changes_cursor": "WzEyMzRd",
                    "results": [
                        {
                            "id": 42,
                            "uri": "https://newsroom.example/api/v1/articles/42/",
                            "headline": "Toyota to sell US-built Camry, Highlander and Tundra in Japan from 2026",
                            "section": {"slug": "industry", "name": "Industry"},
                            "published_at": "2026-02-16T09:00:00Z",
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        """Answer a current conditional request from the page's keys alone, before reading any stored document."""
        if self.now is None:
            now = timezone.now()
            asked = None  # what the partner may read, read by a prepared read (``loading.page_keys``)
            if self.filtered(request):
                asked = self.filter_queryset(changes.readable_articles(self.partner, now))
            self.read_keys(request, self.partner, self.wants_ninjs(), asked, now=now)
        if answer := self.current_copy or http.answer_early(request, self.etag, self.last_modified):
            return answer
        page = self.page
        ids = page.ids
        documents = self.stored_documents(ids, self.now)
        envelope = {
            "next": next_link(request, page.cursor),
            "changes_cursor": encode_cursor([page.position]),
            "results": None,
        }
        return self.stored_answer(envelope, (documents[pk] for pk in ids if pk in documents))

    def filtered(self, request):
        # A filter set is built only when a filter is asked for: it costs more than the page's own keys.
        return any(name in ArticleFilter.base_filters for name in request.GET)

    def reads_keys_early(self, request):
        return not self.filtered(request)  # the filters are REST framework's (``DjangoFilterBackend``)

    def read_keys(self, request, partner, ninjs_format, asked=None, now=None):
        """The keys of the page ``request`` asks for (of ``asked`` when filtered), and the answer's
        validators and keys shown; Django's request or REST framework's.

        A partner polls the same page every few seconds, and it changes only when an article does:
        a poll whose copy the validators this process kept (``pagecache.known_validators``) still
        call current is answered from them, with no read of the database for the page."""
        now = now or timezone.now()
        path = request.get_full_path()  # not the Host: the answer's links are the site's own whatever host was asked
        sections = sorted(partner.section_ids() or ())
        # What the ETag is made of besides what the database says (``http.fingerprint_etag``).
        identity = repr(("articles", http.REPRESENTATION_VERSION, ninjs_format, path, sections))
        if asked is not None:  # a filtered page: polled rarely, by whatever filters a partner picks
            identity = None
        if identity is not None and http.is_conditional(request):
            known = pagecache.known_validators.current(identity, now, pagecache.journal_stamp(request))
            if known is not None and (answer := http.answer_early(request, *known[0])) is not None:
                (self.etag, self.last_modified), keys = known
                self.current_copy = answer
                cache_keys.show_keys(request, keys)
                self.now, self.page = now, None  # the copy is current: no page is read or answered
                return
        stamp = pagecache.journal_stamp(request) if identity is not None else None
        page = loading.page_keys(request, partner, now, asked)
        self.last_modified = page.last_modified
        self.etag = http.fingerprint_etag("articles", ninjs_format, path, sections, page.position, page.fingerprints)
        # Any list of articles, and each article on the page: its stored documents are built again
        # (``articles.readmodel``) when a record they show changes, with no change to the list.
        self.show(cache_keys.ARTICLES, *(cache_keys.key(Article, pk) for pk in page.ids))
        if identity is not None and page.ids:
            validators = (self.etag, self.last_modified)
            pagecache.known_validators.keep(identity, validators, cache_keys.shown(request), stamp, page.upcoming)
        self.now, self.page = now, page


class ArticleDetail(EarlyGet, PartnerView):
    """One live article in your sections. Anything else (a draft, a future or withdrawn article, or
    one outside your sections) is 404."""

    renderer_classes = [JSONRenderer, NinjsRenderer]

    @extend_schema(
        operation_id="articles_retrieve",
        summary="One published article",
        parameters=[FORMAT_PARAMETER],
        responses={
            (200, "application/json"): serializers.ArticleSerializer,
            (200, ninjs.NINJS_CONTENT_TYPE): OpenApiTypes.OBJECT,
            **READ_PROBLEMS,
        },
    )
    def get(self, request, pk):
        """The article's keys decide a conditional request, and its stored document is read only for
        a 200; a request without a precondition reads both at once (``read_keys``)."""
        if self.now is None:
            self.read_keys(request, self.partner, self.wants_ninjs(), pk)
        if self.etag is None:
            raise Http404
        answer = http.answer_early(request, self.etag, self.last_modified)
        if answer is None:
            answer = self.answer(request, self.partner, self.wants_ninjs(), request.accepted_media_type, pk)
        if answer is None:  # unpublished since its keys were read
            raise Http404
        return answer

    answers_unconditional = True  # nearly every request: its document is answered before REST framework
    found = None  # (document, keys shown, validators) when read with the keys, for a request that is not conditional

    def answer(self, request, partner, ninjs_format, media_type, pk):
        """The article's stored document, or None if it was unpublished since its keys were read."""
        if self.found is not None:
            document, keys, _ = self.found
            cache_keys.show_keys(request, keys)
            return HttpResponse(document, content_type=media_type)
        documents = readable_documents(request, partner, ninjs_format, [pk], self.now)
        if pk not in documents:
            return None
        return HttpResponse(documents[pk], content_type=media_type)

    def read_keys(self, request, partner, ninjs_format, pk):
        """The article's validators and key shown, if ``partner`` may read it (else no ``etag``);
        Django's request or REST framework's. A request with no precondition is answered with the
        document whatever its validators: both come from one read (``documents.stored_one``)."""
        now = timezone.now()
        if http.is_conditional(request):
            validators = loading.article_keys(partner, pk, now)
        else:
            self.found = stored.stored_one(partner, pk, stored.NINJS if ninjs_format else stored.NATIVE, now)
            validators = None if self.found is None else self.found[2]
        if validators is not None:
            fingerprint, self.last_modified = validators
            self.etag = http.fingerprint_etag(
                # The path, not the Host: the answer's links are the site's own whatever host was asked.
                "article",
                ninjs_format,
                request.get_full_path(),
                fingerprint,
            )
            self.show(cache_keys.key(Article, pk))
        self.now = now


class ChangeFeed(PartnerView):
    """The change feed."""

    renderer_classes = [JSONRenderer, NinjsRenderer]

    @extend_schema(
        operation_id="changes_list",
        summary="Every publish, update, correction and withdrawal, in order",
        description=(
            "Follow `next` until it is null, keep `cursor`, and poll again with `?cursor=` later. Each change "
            "appears exactly once, in commit order. `article` is the article as it is now, or a tombstone "
            "(`status: canceled`; ninjs `pubStatus: canceled`) when you must remove it; a withdrawn article's "
            "tombstone carries the public `reason` (ninjs: a description with role `withdrawal`), null otherwise."
        ),
        parameters=[*PAGE_PARAMETERS, FORMAT_PARAMETER],
        responses={
            (200, "application/json"): serializers.ChangePageSerializer,
            (200, ninjs.NINJS_CONTENT_TYPE): OpenApiTypes.OBJECT,
            **READ_PROBLEMS,
        },
        examples=[
            OpenApiExample(
                "A withdrawal",
                response_only=True,
                media_type="application/json",
                value={
                    "cursor": "WzEyMzVd",
                    "next": None,
                    "results": [
                        {
                            "sequence": 1235,
                            "event": "withdrawn",
                            "occurred_at": "2026-02-16T10:00:00Z",
                            "article_id": 42,
                            "article": {
                                "id": 42,
                                "uri": "https://newsroom.example/api/v1/articles/42/",
                                "status": "canceled",
                                "reason": "The recall figures it reported were wrong; a corrected story follows.",
                            },
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request):
        token = request.query_params.get("cursor")
        after = decode_cursor(token, ["int"])[0] if token else 0
        size = page_size(request)
        now = timezone.now()
        # Up to the position only: a publish committing now, live after ``now``, waits for the next poll.
        events = changes.changes_for(self.partner, now).filter(id__gt=after, id__lte=changes.feed_position(now))
        events = list(events.order_by("id")[: size + 1])
        more, events = len(events) > size, events[:size]
        ids = sorted({event.article_id for event in events})
        documents = self.stored_documents(ids, now)
        self.show(cache_keys.ARTICLES, *(cache_keys.key(Article, event.article_id) for event in events))
        results = [self._item(event, documents.get(event.article_id)) for event in events]
        position = encode_cursor([events[-1].pk if events else after])
        if events:
            self.last_modified = events[-1].occurred_at
        envelope = {"cursor": position, "next": next_link(request, position) if more else None, "results": None}
        return self.stored_answer(envelope, results)

    def _item(self, event, document):
        """The change with the article's stored document as it is now, or the tombstone of one the
        partner must remove."""
        entry = serializers.change_entry(event, None)
        if document is not None:
            return stored.body(entry, document)
        reason = event.withdrawal_reason or None
        if self.wants_ninjs():
            entry["article"] = ninjs.tombstone_document(event.article_id, event.occurred_at, reason)
        else:
            entry["article"] = serializers.tombstone(event.article_id, reason)
        return stored.RENDERER.render(entry)


ID_ORDER = KeysetPaginator((("id", "int"),), descending=False)


class SectionList(PartnerView):
    """The sections whose articles you receive."""

    @extend_schema(
        operation_id="sections_list",
        summary="Sections you receive",
        parameters=PAGE_PARAMETERS,
        responses={200: serializers.SectionPageSerializer, **READ_PROBLEMS},
    )
    def get(self, request):
        rows, cursor = ID_ORDER.paginate(request, changes.sections_for(self.partner))
        self.show(cache_keys.list_key(Section), *rows)
        return Response(
            {"next": next_link(request, cursor), "results": serializers.SectionSerializer(rows, many=True).data}
        )


class SectionDetail(PartnerView):
    """One section you receive."""

    @extend_schema(
        operation_id="sections_retrieve",
        responses={200: serializers.SectionSerializer, **READ_PROBLEMS},
    )
    def get(self, request, slug):
        section = changes.sections_for(self.partner).filter(slug=slug).first()
        if section is None:
            raise Http404
        self.show(section)
        return Response(serializers.SectionSerializer(section).data)


class TagList(PartnerView):
    """Tags used by the articles you can read."""

    @extend_schema(
        operation_id="tags_list",
        summary="Tags used by articles you can read",
        parameters=PAGE_PARAMETERS,
        responses={200: serializers.TagPageSerializer, **READ_PROBLEMS},
    )
    def get(self, request):
        rows, cursor = ID_ORDER.paginate(request, changes.tags_for(self.partner))
        # Tags used by readable articles: any article event may add or drop one.
        self.show(cache_keys.list_key(Tag), cache_keys.ARTICLES, *rows)
        return Response(
            {"next": next_link(request, cursor), "results": serializers.TagSerializer(rows, many=True).data}
        )


class TagDetail(PartnerView):
    """One tag used by an article you can read."""

    @extend_schema(operation_id="tags_retrieve", responses={200: serializers.TagSerializer, **READ_PROBLEMS})
    def get(self, request, slug):
        tag = changes.tags_for(self.partner).filter(slug=slug).first()
        if tag is None:
            raise Http404
        self.show(tag, cache_keys.ARTICLES)
        return Response(serializers.TagSerializer(tag).data)


def vehicle_records_shown():
    """The shared records a vehicle model's document names (its make, makers, plants, markets)."""
    return [cache_keys.list_key(model) for model in (Make, Manufacturer, Plant, Market)]


class VehicleModelList(PartnerView):
    """Vehicle models with their model years (powertrains, plants) and market availability."""

    content_type = "vehicles"
    filter_backends = [DjangoFilterBackend]
    filterset_class = VehicleModelFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return VehicleModel.objects.none()
        return loading.vehicle_models(self.partner)

    @extend_schema(
        operation_id="vehicle_models_list",
        summary="Vehicle models with model years, plants and markets",
        filters=True,
        parameters=PAGE_PARAMETERS,
        responses={200: serializers.VehicleModelPageSerializer, **READ_PROBLEMS},
    )
    def get(self, request):
        rows, cursor = ID_ORDER.paginate(request, self.filter_queryset(self.get_queryset()))
        self.last_modified = max((row.updated_at for row in rows), default=None)
        self.show(cache_keys.list_key(VehicleModel), *vehicle_records_shown(), *rows)
        data = serializers.VehicleModelSerializer(rows, many=True).data
        return Response({"next": next_link(request, cursor), "results": data})


class VehicleModelDetail(PartnerView):
    """One vehicle model with its model years and markets."""

    content_type = "vehicles"

    @extend_schema(
        operation_id="vehicle_models_retrieve",
        responses={200: serializers.VehicleModelSerializer, **READ_PROBLEMS},
    )
    def get(self, request, pk):
        vehicle_model = loading.vehicle_models(self.partner).filter(pk=pk).first()
        if vehicle_model is None:
            raise Http404
        self.last_modified = vehicle_model.updated_at
        self.show(vehicle_model, *vehicle_records_shown())
        return Response(serializers.VehicleModelSerializer(vehicle_model).data)


class VinDecode(PartnerView):
    """Decode a 17-character VIN offline. A malformed one (length, characters) is a 400 naming each
    wrong position; a well-formed one whose check digit or year code fails is decoded all the same,
    with `valid: false` and the `problems`."""

    content_type = "vehicles"
    MAX_LENGTH = 40

    @extend_schema(
        operation_id="vins_retrieve",
        summary="Decode a VIN (offline, ISO 3779 / 49 CFR 565)",
        parameters=[
            OpenApiParameter(
                "vin",
                {"type": "string", "pattern": vins.WELL_FORMED_PATTERN},
                OpenApiParameter.PATH,
                description="17 letters (no I, O or Q) and digits, either case.",
            )
        ],
        responses={200: serializers.VinSerializer, **READ_PROBLEMS},
        examples=[
            OpenApiExample(
                "A Tundra built in San Antonio",
                response_only=True,
                value={"vin": "5TFLA5DB4SX000001", "valid": True, "make": "Toyota", "model_year": 2025},
            )
        ],
    )
    def get(self, request, vin):
        if len(vin) > self.MAX_LENGTH:
            raise InvalidParameter("vin", "A VIN has 17 characters.")
        decoded = vins.decode(vin)
        if not decoded.well_formed:
            error = InvalidParameter("vin", "; ".join(str(problem) for problem in decoded.problems))
            error.errors = [
                {"parameter": "vin", "detail": str(problem), "position": problem.position}
                for problem in decoded.problems
            ]
            raise error
        fields = decoded.as_dict()
        fields["VehicleModelUri"] = links.vehicle_model_uri(decoded.vehicle_model) if decoded.vehicle_model else None
        return Response(serializers.VinSerializer(fields).data)


class SchemaView(SpectacularAPIView):
    """The API's one OpenAPI schema. drf-spectacular takes ``?version=`` from anyone and writes it
    into the schema and the download's file name (Content-Disposition), where a line break or a NUL
    made a 500; there is one version, ``SPECTACULAR_SETTINGS["VERSION"]``."""

    def _get_version_parameter(self, request):
        return None
