"""Crafted input never makes a server error: every parameter of every API operation (read from the
OpenAPI schema, so a new one is covered without touching this file), the headers the API reads,
and the public pages' query parameters, driven with unicode digits, extreme and overflowing dates,
huge numbers and garbage cursors. The API answers a 400 problem document naming the parameter."""

import base64
import json
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Author
from newsroom.syndication.models import Partner
from tests.syndication.conftest import ApiClient
from vehicles import vin as vins

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _cursor(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _iso(year, month, day, hour, minute, second, offset):
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{offset}"


OFFSETS = ["", "Z", "+00:00", "+15:59", "-16:00", "+23:59", "-23:59", "+24:00", "-99:99", "+0530"]
EXTREME_DATES = st.one_of(
    st.sampled_from(["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-99-99", "0000-00-00T00:00:00Z"]),
    st.builds(
        _iso,
        year=st.sampled_from([0, 1, 1969, 9999]) | st.integers(0, 99999),
        month=st.integers(0, 13),
        day=st.integers(0, 32),
        hour=st.integers(0, 25),
        minute=st.integers(0, 61),
        second=st.integers(0, 61),
        offset=st.sampled_from(OFFSETS),
    ),
)
UNICODE_DIGITS = st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6)
HUGE_NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["9" * 5000, "1e400", "-0", "NaN", "Infinity", "0x10", "1_000", " 7", "2" * 25, "\u00b2"]),
)
CURSOR_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | EXTREME_DATES
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)
GARBAGE_CURSORS = st.one_of(
    st.tuples(EXTREME_DATES, st.integers(min_value=-(2**70), max_value=2**70)).map(list).map(_cursor),
    CURSOR_VALUES.map(_cursor),
    st.lists(CURSOR_VALUES, min_size=1, max_size=3).map(_cursor),
    st.binary(max_size=60).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
)
HOSTILE = st.one_of(UNICODE_DIGITS, HUGE_NUMBERS, EXTREME_DATES, GARBAGE_CURSORS, st.text(max_size=40))
# What can arrive in a header over HTTP: Latin-1, no line breaks.
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
HTTP_DATES = st.one_of(
    st.sampled_from(
        ["Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31 Dec 99999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT"]
    ),
    st.integers(-(10**12), 10**15).map(lambda n: f"Thu, 01 Jan {n} 00:00:00 GMT"),
    EXTREME_DATES,
)
HOSTILE_HEADERS = {
    "If-None-Match": st.one_of(HEADER_TEXT, st.sampled_from(["*", 'W/"x"', '"', '"a", W/', ","])),
    "If-Match": st.one_of(HEADER_TEXT, st.sampled_from(["*", '"nope"'])),
    "If-Modified-Since": st.one_of(HTTP_DATES, HEADER_TEXT),
    "If-Unmodified-Since": st.one_of(HTTP_DATES, HEADER_TEXT),
    "Accept": st.one_of(
        HEADER_TEXT,
        st.sampled_from(["application/ninjs+json; q=abc", "*/*;q=1e400", ";;,,", "application/json; version=\u00b2"]),
    ),
}
FUZZ = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _api_operations():
    """{path template: [(name, "query" or "path"), ...]} for every GET under /api/v1/, from the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: [(parameter["name"], parameter["in"]) for parameter in operation.get("parameters", [])]
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        if method == "get"
    }


OPERATIONS = _api_operations()
QUERY_PARAMETERS = [(path, name) for path, params in OPERATIONS.items() for name, where in params if where == "query"]
PATH_PARAMETERS = [(path, name) for path, params in OPERATIONS.items() for name, where in params if where == "path"]


def _usable_path_values(demo):
    """A path parameter value that exists, for each operation that takes one."""
    return {
        "/api/v1/articles/{id}/": {"id": demo["articles"]["published"].pk},
        "/api/v1/sections/{slug}/": {"slug": "industry"},
        "/api/v1/tags/{slug}/": {"slug": "toyota"},
        "/api/v1/vehicle-models/{id}/": {"id": demo["vehicles"]["camry"].pk},
        "/api/v1/vins/{vin}/": {"vin": vins.with_check_digit("5TFLA5DB0SX000001")},
    }


@pytest.fixture
def fuzz_api(client, demo):
    api_key, secret = Partner.objects.create(
        name="Fuzzer", contact_email="fuzz@example.com", rate_limit_per_minute=10**6
    ).issue_key()
    api_key.touch()
    return ApiClient(client, secret)


def _path(template, values):
    for name, value in values.items():
        template = template.replace("{" + name + "}", quote(str(value), safe=""))
    return template


def _assert_no_server_error(response, parameter):
    """Below 500; every 4xx a problem document, and a 400 or 412 names ``parameter`` among its errors."""
    assert response.status_code < 500, response.content[:500]
    if 400 <= response.status_code < 500:
        assert response["Content-Type"] == PROBLEM, response.content[:300]
        problem = response.json()
        if response.status_code in (400, 412):
            assert parameter in [error["parameter"] for error in problem["errors"]], problem


def test_every_operation_and_parameter_is_fuzzed():
    """The lists come from the schema; this guards against an empty or partial read of it."""
    assert len(OPERATIONS) >= 10
    assert ("/api/v1/articles/", "updated_after") in QUERY_PARAMETERS
    assert ("/api/v1/vehicle-models/", "published_before") not in QUERY_PARAMETERS
    assert ("/api/v1/articles/{id}/", "id") in PATH_PARAMETERS


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/v1/articles/", {"page_size": "\u00b2"}, "page_size"),
        ("/api/v1/changes/", {"page_size": "\u00b2"}, "page_size"),
        ("/api/v1/tags/", {"page_size": "\u00b2"}, "page_size"),
        ("/api/v1/sections/", {"page_size": "\u0663"}, "page_size"),  # an Arabic-Indic 3
        ("/api/v1/articles/", {"page_size": "9" * 5000}, "page_size"),
        ("/api/v1/articles/", {"cursor": _cursor(["9999-99-99T00:00:00Z", 1])}, "cursor"),
        ("/api/v1/articles/", {"cursor": _cursor(["9999-12-31T23:59:59-23:59", 1])}, "cursor"),
        ("/api/v1/articles/", {"cursor": _cursor(["0001-01-01T00:00:00+23:59", 1])}, "cursor"),
        ("/api/v1/articles/", {"updated_after": "9999-12-31T23:59:59-23:59"}, "updated_after"),
        ("/api/v1/articles/", {"published_before": "0001-01-01T00:00:00+23:59"}, "published_before"),
        ("/api/v1/articles/", {"published_after": "2026-02-30T00:00:00Z"}, "published_after"),
        ("/api/v1/articles/", {"published_after": "\u0662\u0660\u0662\u0666-01-01T00:00:00Z"}, "published_after"),
        ("/api/v1/articles/", {"vehicle": "\u0663"}, "vehicle"),
        ("/api/v1/vehicle-models/", {"updated_after": "9999-12-31T23:59:59-23:59"}, "updated_after"),
        ("/api/v1/vehicle-models/", {"updated_before": "0001-01-01T00:00:00+23:59"}, "updated_before"),
    ],
)
def test_crafted_values_are_a_400_problem_naming_the_parameter(fuzz_api, path, params, parameter):
    response = fuzz_api.get(path, params)
    assert response.status_code == 400
    _assert_no_server_error(response, parameter)
    assert parameter in response.json()["detail"]


def test_extreme_but_real_instants_are_accepted(fuzz_api, demo):
    """The first and last instants Python can hold, with an offset PostgreSQL could not take."""
    for params in (
        {"published_after": "0001-01-01T00:00:00Z", "published_before": "9999-12-31T23:59:59.999999Z"},
        {"updated_after": "0001-01-01T23:59:00+23:59", "updated_before": "9999-12-31T00:00:00-23:59"},
    ):
        response = fuzz_api.get("/api/v1/articles/", params)
        assert response.status_code == 200, response.content
        assert [item["id"] for item in response.json()["results"]] == [demo["articles"]["published"].pk]
    cursor = _cursor(["9999-12-31T00:00:00-23:59", 2**62])
    assert fuzz_api.get("/api/v1/articles/", {"cursor": cursor}).json()["results"][0]["headline"]


def test_a_failed_precondition_is_a_problem_naming_its_header(fuzz_api):
    response = fuzz_api.get("/api/v1/sections/", HTTP_IF_MATCH='"not-this-one"')
    assert response.status_code == 412
    _assert_no_server_error(response, "If-Match")
    story = fuzz_api.get("/api/v1/articles/").json()["results"][0]
    response = fuzz_api.get(story["uri"], HTTP_IF_UNMODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT")
    assert response.status_code == 412
    _assert_no_server_error(response, "If-Unmodified-Since")


@pytest.mark.parametrize(("path", "parameter"), QUERY_PARAMETERS)
@FUZZ
@given(value=HOSTILE)
def test_no_query_parameter_value_is_a_server_error(fuzz_api, demo, path, parameter, value):
    url = _path(path, _usable_path_values(demo).get(path, {}))
    _assert_no_server_error(fuzz_api.get(url, {parameter: value}), parameter)


@pytest.mark.parametrize(("path", "parameter"), PATH_PARAMETERS)
@FUZZ
@given(value=HOSTILE)
def test_no_path_parameter_value_is_a_server_error(fuzz_api, demo, path, parameter, value):
    values = {**_usable_path_values(demo)[path], parameter: value}
    if not values[parameter] or values[parameter] in (".", ".."):
        values[parameter] = "x"  # an empty or dot segment would address another path
    _assert_no_server_error(fuzz_api.get(_path(path, values)), parameter)


@pytest.mark.parametrize("path", list(OPERATIONS))
@FUZZ
@given(header=st.sampled_from(sorted(HOSTILE_HEADERS)), data=st.data())
def test_no_header_value_is_a_server_error(fuzz_api, demo, path, header, data):
    value = data.draw(HOSTILE_HEADERS[header], label=header)
    url = _path(path, _usable_path_values(demo).get(path, {}))
    environ_name = "HTTP_" + header.upper().replace("-", "_")
    _assert_no_server_error(fuzz_api.get(url, **{environ_name: value}), header)


def _route_names(resolver, namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _route_names(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


PUBLIC_ROUTES = sorted(name for name in _route_names(get_resolver()) if name.split(":")[0] in ("articles", "vehicles"))
PUBLIC_PARAMETERS = ["q", "page", "p", "make", "body"]


def _public_page(name, demo):
    """A URL of the public site's route ``name`` that shows something."""
    story = demo["articles"]["published"]
    arguments = {
        "articles:detail": {"slug": story.slug},
        "articles:section": {"slug": "industry"},
        "articles:tag": {"slug": "toyota"},
        "articles:author": {"slug": Author.objects.filter(bylines__article=story).first().slug},
        "articles:section_feed_rss": {"slug": "industry"},
        "articles:section_feed_atom": {"slug": "industry"},
        "vehicles:detail": {"make": "toyota", "model": demo["vehicles"]["camry"].slug},
    }
    return reverse(name, kwargs=arguments.get(name, {}))


def test_every_public_page_is_fuzzed(client, demo):
    pages = [_public_page(name, demo) for name in PUBLIC_ROUTES]
    assert {"/search/", "/sitemap.xml", "/sitemap-news.xml", "/feed/atom/", "/vehicles/"} <= set(pages)
    for page in pages:
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("name", PUBLIC_ROUTES)
@FUZZ
@given(parameter=st.sampled_from(PUBLIC_PARAMETERS), value=HOSTILE)
def test_no_public_page_parameter_is_a_server_error(client, demo, name, parameter, value):
    page = _public_page(name, demo)
    params = {parameter: value}
    if parameter == "page" and page == "/search/":
        params["q"] = "toyota"  # search pages only with a query
    response = client.get(page, params)
    assert response.status_code < 500, (page, params)
