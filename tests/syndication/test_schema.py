"""The OpenAPI schema, the interactive docs page (served from the app, under the CSP), and
schemathesis fuzzing every operation: no 5xx, no request the schema allows refused, every
response as the schema documents it, and every ninjs answer valid IPTC ninjs 3.1."""

import hashlib
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from articles.models import Article, Section, Tag
from newsroom.syndication.models import Partner
from newsroom.syndication.ninjs import NINJS_CONTENT_TYPE as NINJS
from newsroom.syndication.pagination import encode_cursor
from tests.syndication.conftest import assert_ninjs
from vehicles.models import VehicleModel

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def test_schema_is_public_openapi_3_with_bearer_auth(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["partnerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["partnerKey"]["description"],
    }
    paths = document["paths"]
    assert {"/api/v1/articles/", "/api/v1/changes/", "/api/v1/vins/{vin}/"} <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/articles/"]["get"]["parameters"]}
    assert {"section", "tag", "vehicle", "make", "market", "published_after", "updated_before", "cursor"} <= parameters
    assert "examples" in str(paths["/api/v1/articles/"]["get"]["responses"]["200"])
    assert "application/problem+json" in paths["/api/v1/articles/"]["get"]["responses"]["401"]["content"]


@pytest.mark.parametrize("version", ["2.0", "<script>", "a\r\nSet-Cookie: x=1", "a\x00"])
def test_the_schema_is_the_one_version_whatever_the_url_asks(client, version):
    """``?version=`` named the downloaded file (Content-Disposition) and the schema's own version:
    a control character in it was a 500 for anyone, no key needed."""
    response = client.get("/api/schema/", {"version": version}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["version"] == "1.0.0"
    assert response["Content-Disposition"] == 'inline; filename="Newsroom syndication API.json"'


def test_the_docs_page_answers_only_reads(client):
    assert client.options("/api/docs/").status_code == 405
    assert client.post("/api/docs/").status_code == 405
    assert client.head("/api/docs/").status_code == 200


def test_docs_page_loads_its_assets_from_the_app_under_the_csp(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    # No inline scripts (the CSP would block them): every script has a src on this site.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/' in attributes for attributes in scripts), scripts
    assert "cdn" not in html.lower()
    # The Swagger UI files ship with drf-spectacular-sidecar and are collected with the other static files.
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"} <= {
        asset.rsplit("/", 1)[-1] for asset in assets
    }
    for asset in assets:
        assert finders.find(asset), asset
    init = client.get("/api/docs/?script=")
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


# {operation path: (path parameter, values that exist)}, while a fuzz test runs (``fuzz_key``).
EXISTING = {}


@pytest.fixture
def fuzz_key(db, demo):
    # Requests go straight to the WSGI handler, which would close the test's database connection at
    # the end of each request (Django's test client avoids that the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    partner = Partner.objects.create(name="Fuzzer", contact_email="fuzz@example.com", rate_limit_per_minute=10**6)
    EXISTING.update(
        {
            "/api/v1/articles/{id}/": ("id", sorted(Article.objects.live().values_list("pk", flat=True))),
            "/api/v1/vehicle-models/{id}/": ("id", sorted(VehicleModel.objects.values_list("pk", flat=True))),
            "/api/v1/sections/{slug}/": ("slug", sorted(Section.objects.values_list("slug", flat=True))),
            "/api/v1/tags/{slug}/": ("slug", sorted(Tag.objects.values_list("slug", flat=True))),
        }
    )
    yield partner.issue_key()[1]
    EXISTING.clear()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def ninjs_conforms_to_iptc_3_1(ctx, response, case):
    """Every ninjs document in a ninjs answer (detail, list page, change feed) validates against
    the IPTC's ninjs 3.1 schema."""
    if response.status_code != 200 or not response.headers.get("content-type", [""])[0].startswith(NINJS):
        return None
    body = response.json()
    if "results" not in body:
        documents = [body]
    elif case.operation.path == "/api/v1/changes/":
        documents = [change["article"] for change in body["results"]]
    else:
        documents = body["results"]
    for document in documents:
        assert_ninjs(document)
    return True


CHECKS = [
    schemathesis.checks.not_a_server_error,
    # No request the schema allows is refused: every bound, pattern and format is declared.
    schemathesis.checks.positive_data_acceptance,
    schemathesis.specs.openapi.checks.status_code_conformance,
    schemathesis.specs.openapi.checks.content_type_conformance,
    schemathesis.specs.openapi.checks.response_schema_conformance,
    ninjs_conforms_to_iptc_3_1,
]


def _number(value):
    return int.from_bytes(hashlib.sha256(str(value).encode()).digest()[:7])


def genuine_cursors_and_records(ctx, case):
    """Aim the generated requests where there is something to check.

    A cursor is opaque: the schema can say what one looks like, not which strings this API handed
    out (any other is a 400, as ``test_hostile_input`` checks). So each cursor generated is sent as
    a position in its list's own order, as the list's ``next`` links carry them. And half the
    requests for one record name one that exists, so that its answer, in JSON and in ninjs, is
    checked against the schemas, not only 404s. Both are derived from the generated values, so
    every phase and every replay sends the same."""
    if case.query and "cursor" in case.query:
        number = _number(case.query["cursor"])
        if case.operation.path == "/api/v1/articles/":
            position = [datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=number % 4_000_000_000), number]
        else:
            position = [number]
        case.query["cursor"] = encode_cursor(position)
    if case.operation.path in EXISTING and case.path_parameters:
        name, existing = EXISTING[case.operation.path]
        number = _number(case.path_parameters[name])
        if number % 2 and existing:
            case.path_parameters[name] = existing[number % len(existing)]
    return case


# API_FUZZ_EXAMPLES=600 for a long run (16 minutes on 2 shared cores); the suite runs 40 per operation.
@schema.hooks.apply(genuine_cursors_and_records, name="map_case")
@schema.include(path_regex="^/api/v1/").parametrize()
@settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", 40)),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_matches_its_schema(case, fuzz_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_key}"}, checks=CHECKS)
