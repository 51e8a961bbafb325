"""Nothing unpublished ever leaves through the API: drafts, articles in review, approved ones,
those scheduled for the future and withdrawn ones are absent from every endpoint, filter,
format and webhook. Each hidden article carries a marker we look for in every byte sent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import MarketReport, Status, Tag
from newsroom.syndication.models import WebhookEndpoint
from tests.syndication.conftest import make_article, make_image
from vehicles.models import MarketAvailability

pytestmark = pytest.mark.django_db

STATES = ["draft", "in_review", "approved", "scheduled", "withdrawn"]


def _marked(state, vehicles, act, editor):
    marker = f"SECRET-{state.upper()}"
    tag = Tag.objects.create(name=f"{marker} tag", slug=f"secret-{state.replace('_', '-')}")
    status = {"draft": Status.DRAFT, "in_review": Status.IN_REVIEW}.get(state, Status.APPROVED)
    article = make_article(
        status=status,
        headline=f"{marker} headline",
        body=f"<p>{marker} body</p>",
        tags=[tag],
        vehicles=vehicles,
        image=make_image(marker),
    )
    article.standfirst = f"{marker} standfirst"
    article.save()
    if state == "scheduled":
        act(workflow.schedule, article, editor, timezone.now() + timedelta(days=1))
    if state == "withdrawn":
        act(workflow.publish, article, editor)
        act(workflow.withdraw, article, editor, "Legal.")
    return article, marker


@pytest.fixture
def hidden(demo, media, editor, act, partner, receiver):
    WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
    vehicles = list(demo["vehicles"].values())
    made = {state: _marked(state, vehicles, act, editor) for state in STATES}
    # A vehicle record that cites an unpublished article must not reveal it either.
    availability = MarketAvailability.objects.filter(vehicle_model=vehicles[0]).first()
    MarketReport.objects.update_or_create(availability=availability, defaults={"article": made["draft"][0]})
    return made


def _paths(hidden, demo):
    vehicle = demo["vehicles"]["camry"]
    articles = ["/api/v1/articles/", "/api/v1/changes/"]
    filters = [
        {},
        {"section": "news"},
        {"make": "toyota"},
        {"vehicle": vehicle.pk},
        {"market": "JP"},
        {"published_after": "2000-01-01T00:00:00Z"},
        {"updated_after": "2000-01-01T00:00:00Z"},
    ] + [{"tag": f"secret-{state.replace('_', '-')}"} for state in STATES]
    for path in articles:
        for params in filters:
            yield path, params
    for article, _marker in hidden.values():
        yield f"/api/v1/articles/{article.pk}/", {}
    for state in STATES:
        yield f"/api/v1/tags/secret-{state.replace('_', '-')}/", {}
    yield "/api/v1/tags/", {}
    yield "/api/v1/sections/", {}
    yield "/api/v1/vehicle-models/", {}
    yield f"/api/v1/vehicle-models/{vehicle.pk}/", {}


def test_no_endpoint_filter_or_format_reveals_unpublished_work(api, hidden, demo, receiver):
    requests = 0
    for path, params in _paths(hidden, demo):
        for fmt in ("json", "ninjs"):
            response = api.get(path, {**params, "format": fmt} if "articles" in path or "changes" in path else params)
            requests += 1
            assert response.status_code in (200, 404), (path, params, response.content)
            text = response.content.decode()
            for _article, marker in hidden.values():
                assert marker not in text, (path, params, fmt, marker)
    assert requests > 60
    for article, _marker in hidden.values():
        assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 404
    camry = api.get(f"/api/v1/vehicle-models/{demo['vehicles']['camry'].pk}/").json()
    draft_uri = f"/api/v1/articles/{hidden['draft'][0].pk}/"
    reported = [market["reported_in"] for market in camry["markets"]]
    assert None in reported and not any(uri and uri.endswith(draft_uri) for uri in reported)
    # Webhooks: the withdrawn article was announced (published, then withdrawn), by id only.
    for request in receiver.requests:
        for _article, marker in hidden.values():
            assert marker.encode() not in request["body"]
    assert len(receiver.requests) == 2


def test_the_withdrawn_article_is_a_tombstone_in_the_feed(api, hidden, demo):
    withdrawn, _marker = hidden["withdrawn"]
    changes = api.get("/api/v1/changes/").json()["results"]
    assert [(c["event"], c["article"]["status"]) for c in changes if c["article_id"] == withdrawn.pk] == [
        ("published", "canceled"),
        ("withdrawn", "canceled"),
    ]
    # Besides it, only the demo's live Toyota story: none of the hidden articles.
    assert {c["article_id"] for c in changes} == {withdrawn.pk, demo["articles"]["published"].pk}
