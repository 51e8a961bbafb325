"""The OpenAPI schema, the interactive docs page (served from the app, under the CSP), and
schemathesis fuzzing every operation: no 5xx, and every response as the schema documents it."""

import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from newsroom.syndication.models import Partner

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


@pytest.fixture
def fuzz_key(db, demo):
    # Requests go straight to the WSGI handler, which would close the test's database connection at
    # the end of each request (Django's test client avoids that the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    partner = Partner.objects.create(name="Fuzzer", contact_email="fuzz@example.com", rate_limit_per_minute=10**6)
    yield partner.issue_key()[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


NO_SERVER_ERRORS_AND_AS_DOCUMENTED = [
    schemathesis.checks.not_a_server_error,
    schemathesis.specs.openapi.checks.status_code_conformance,
    schemathesis.specs.openapi.checks.content_type_conformance,
    schemathesis.specs.openapi.checks.response_schema_conformance,
]


@schema.include(path_regex="^/api/v1/").parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_matches_its_schema(case, fuzz_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_key}"}, checks=NO_SERVER_ERRORS_AND_AS_DOCUMENTED)
