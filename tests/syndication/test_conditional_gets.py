"""Conditional GETs of the article list and detail answered 304, and the detail's document,
before REST framework runs (``views.EarlyGet``): the same answer, headers, key checks and rate
count as REST framework's path, which answers everything else."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.views import APIView

from articles import workflow
from articles.models import Section, Status
from newsroom.syndication import throttling
from tests.syndication.conftest import ApiClient, make_article, make_image, make_partner

pytestmark = pytest.mark.django_db

WINDOW = 28_000_000  # a fixed one-minute window: twenty seconds into it (``_clock``)
NINJS = "application/ninjs+json"
# Accept headers REST framework's negotiation resolves to the same renderer as the plain ones, but
# ``http.quick_renderer`` does not read: they take REST framework's path to the same answer.
SAME_FORMAT_THE_LONG_WAY = {None: "application/json, */*;q=0.5", NINJS: f"{NINJS};q=1.0"}


@pytest.fixture
def rest_framework_runs(monkeypatch):
    """How many requests REST framework's view handled (its ``initial``: negotiation, key, throttle)."""
    runs = []
    initial = APIView.initial

    def counted(view, request, *args, **kwargs):
        runs.append(request.path)
        return initial(view, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "initial", counted)
    return runs


@pytest.fixture
def fixed_window(monkeypatch):
    monkeypatch.setattr(throttling, "_clock", lambda: 60 * WINDOW + 20.0)
    monkeypatch.setattr(throttling, "_leases", {})


def _counted(partner):
    """The partner's requests counted in the window (limits under 200 a minute are counted one by one)."""
    return cache.get(f"syndication:throttle:{partner.pk}:{WINDOW}")


def test_a_current_copy_gets_the_304_rest_frameworks_path_gives(client, partner, rest_framework_runs):
    section = Section.objects.create(name="Industry", slug="industry")
    story = make_article(section=section)
    api = ApiClient(client, partner.issue_key()[1])
    for path in ("/api/v1/articles/?page_size=5", f"/api/v1/articles/{story.pk}/"):
        for accept in (None, NINJS):
            asked = {"HTTP_ACCEPT": accept} if accept else {}
            first = api.get(path, **asked)
            assert first.status_code == 200
            conditional = {"HTTP_IF_NONE_MATCH": first["ETag"], "HTTP_X_REQUEST_ID": "same-request"}
            del rest_framework_runs[:]
            early = api.get(path, **asked, **conditional)
            assert rest_framework_runs == []
            the_long_way = api.get(path, HTTP_ACCEPT=SAME_FORMAT_THE_LONG_WAY[accept], **conditional)
            assert rest_framework_runs == [path.partition("?")[0]]
            assert early.status_code == the_long_way.status_code == 304
            assert early.content == b""
            assert dict(early.headers) == dict(the_long_way.headers)
            assert early["ETag"] == first["ETag"] and early["Last-Modified"] == first["Last-Modified"]
            assert early["Cache-Control"] == "private, no-cache"
            assert early["Surrogate-Key"] in (f"article-{story.pk} articles", f"article-{story.pk}")
            assert set(early["Vary"].replace(" ", "").split(",")) >= {"Accept", "Authorization"}
            assert early["X-Request-ID"] == "same-request"
            # If-Modified-Since alone is answered early too.
            del rest_framework_runs[:]
            by_date = api.get(path, **asked, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
            assert by_date.status_code == 304 and rest_framework_runs == []


def test_a_304_and_a_copy_that_is_not_current_each_count_once_against_the_rate_limit(
    client, fixed_window, rest_framework_runs
):
    partner = make_partner("Tiny Plan", rate_limit_per_minute=4)
    story = make_article()
    api = ApiClient(client, partner.issue_key()[1])
    path = f"/api/v1/articles/{story.pk}/"
    etag = api.get(path)["ETag"]
    assert _counted(partner) == 1
    assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert _counted(partner) == 2
    # Admitted before REST framework runs, then answered by it (the list's copy that is not
    # current): counted once.
    del rest_framework_runs[:]
    assert api.get("/api/v1/articles/", HTTP_IF_NONE_MATCH='"an-older-copy"').status_code == 200
    assert rest_framework_runs == ["/api/v1/articles/"] and _counted(partner) == 3
    assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert _counted(partner) == 4
    # Over the limit: a current copy is no excuse, and REST framework answers the 429.
    refused = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert refused.status_code == 429 and refused["Retry-After"] == "40"
    assert refused["Content-Type"] == "application/problem+json"
    assert _counted(partner) == 5


def test_the_detail_is_answered_before_rest_framework_as_rest_framework_answers_it(
    client, partner, rest_framework_runs
):
    story = make_article()
    api = ApiClient(client, partner.issue_key()[1])
    path = f"/api/v1/articles/{story.pk}/"
    for accept in (None, NINJS):
        asked = {"HTTP_ACCEPT": accept} if accept else {}
        same = {"HTTP_X_REQUEST_ID": "same-request"}
        del rest_framework_runs[:]
        early = api.get(path, **asked, **same)
        assert rest_framework_runs == []
        the_long_way = api.get(path, HTTP_ACCEPT=SAME_FORMAT_THE_LONG_WAY[accept], **same)
        assert rest_framework_runs == [path]
        assert early.status_code == the_long_way.status_code == 200
        assert early.content == the_long_way.content
        # REST framework's Content-Type repeats the Accept's parameters (``;q=1.0``); the rest is the same.
        assert early["Content-Type"] == (accept or "application/json")
        assert the_long_way["Content-Type"].startswith(early["Content-Type"])
        assert {**early.headers, "Content-Type": None} == {**the_long_way.headers, "Content-Type": None}
    # What it cannot answer goes on to REST framework, with its problem documents.
    del rest_framework_runs[:]
    missing = api.get("/api/v1/articles/999999/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert rest_framework_runs == ["/api/v1/articles/999999/"]
    assert api.get(path, HTTP_AUTHORIZATION="Bearer nrk_00000000_wrong").status_code == 401


@pytest.mark.parametrize(
    ("variant", "asked", "status"),
    [
        ("a stale copy", {"HTTP_IF_NONE_MATCH": '"stale"'}, 200),
        ("another format", {"HTTP_ACCEPT": NINJS}, 200),
        ("?format=ninjs", {"data": {"format": "ninjs"}}, 200),
        ("?format=xml", {"data": {"format": "xml"}}, 400),
        ("an Accept it cannot serve", {"HTTP_ACCEPT": "text/html"}, 406),
        ("a filter", {"data": {"section": "industry"}}, 200),
        ("a filter it refuses", {"data": {"published_after": "yesterday"}}, 400),
        ("a bad page size", {"data": {"page_size": "0"}}, 400),
        ("a key in the URL", {"data": {"api_key": "nrk_x_y"}}, 400),
        ("no key", {"HTTP_AUTHORIZATION": ""}, 401),
        ("a wrong key", {"HTTP_AUTHORIZATION": "Bearer nrk_00000000_wrong"}, 401),
        ("a malformed Authorization", {"HTTP_AUTHORIZATION": "Basic abc"}, 401),
        ("If-Match", {"HTTP_IF_MATCH": '"stale"'}, 412),
    ],
)
def test_a_conditional_get_it_cannot_answer_304_gets_rest_frameworks_answer(
    client, partner, django_assert_num_queries, variant, asked, status
):
    """The ETag of the plain list is sent with something that changes the answer: each gets what REST
    framework answers without one, with the list's usual queries (key, page's keys, documents)."""
    section = Section.objects.create(name="Industry", slug="industry")
    make_article(section=section)
    api = ApiClient(client, partner.issue_key()[1])
    path = "/api/v1/articles/"
    etag = api.get(path)["ETag"]
    asked = dict(asked)
    data = asked.pop("data", None)
    conditional = {"HTTP_IF_NONE_MATCH": etag, **asked}
    answer = api.get(path, data, **conditional)
    assert answer.status_code == status, answer.content
    if status >= 400:
        assert answer["Content-Type"] == "application/problem+json"
        assert answer.json()["status"] == status
        return
    unconditional = {name: value for name, value in conditional.items() if name != "HTTP_IF_NONE_MATCH"}
    plain = api.get(path, data, **unconditional)
    assert answer.content == plain.content and answer["ETag"] == plain["ETag"]
    assert answer["Content-Type"] == plain["Content-Type"]
    with django_assert_num_queries(2):  # the page's keys, its documents (the key is kept by the process)
        api.get(path, data, **conditional)


def test_a_poll_is_decided_as_rfc_9110_decides_it(client, partner, rest_framework_runs):
    """``http.answer_early`` decides If-None-Match and If-Modified-Since itself: as Django would."""
    story = make_article()
    api = ApiClient(client, partner.issue_key()[1])
    for path in ("/api/v1/articles/", f"/api/v1/articles/{story.pk}/"):
        first = api.get(path)
        etag, last_modified = first["ETag"], first["Last-Modified"]
        current = [
            {"HTTP_IF_NONE_MATCH": etag},
            {"HTTP_IF_NONE_MATCH": f"W/{etag}"},  # compared weakly
            {"HTTP_IF_NONE_MATCH": f'"other", {etag}'},
            {"HTTP_IF_NONE_MATCH": "*"},
            {"HTTP_IF_MODIFIED_SINCE": last_modified},
            {"HTTP_IF_MODIFIED_SINCE": "Fri, 01 Jan 2100 00:00:00 GMT"},
            # An If-None-Match that holds no ETag at all leaves If-Modified-Since to decide.
            {"HTTP_IF_NONE_MATCH": "not-an-etag", "HTTP_IF_MODIFIED_SINCE": last_modified},
        ]
        for asked in current:
            answer = api.get(path, **asked)
            assert answer.status_code == 304, asked
            assert answer["ETag"] == etag and answer["Last-Modified"] == last_modified
        not_current = [
            {"HTTP_IF_NONE_MATCH": '"other"'},
            # If-None-Match decides when it holds an ETag: If-Modified-Since is not looked at.
            {"HTTP_IF_NONE_MATCH": '"other"', "HTTP_IF_MODIFIED_SINCE": last_modified},
            {"HTTP_IF_MODIFIED_SINCE": "Thu, 01 Jan 2015 00:00:00 GMT"},
            {"HTTP_IF_MODIFIED_SINCE": "yesterday"},  # not a date: no precondition
        ]
        for asked in not_current:
            answer = api.get(path, **asked)
            assert answer.status_code == 200 and answer["ETag"] == etag, asked
        assert api.get(path, HTTP_IF_UNMODIFIED_SINCE="Thu, 01 Jan 2015 00:00:00 GMT").status_code == 412


def test_a_poll_of_the_list_is_answered_from_kept_validators_until_the_page_changes(
    client, partner, editor, media, act, monkeypatch, django_assert_num_queries
):
    """A partner's poll of the list whose copy is current reads nothing: the page's validators are
    kept from the answer before (``pagecache.known_validators``), the key from the first request
    (``authentication.known_keys``). A publish, a
    withdrawal or a scheduled story's go-live minute (no event at all) makes the next poll a 200."""
    make_article()
    api = ApiClient(client, partner.issue_key()[1])
    path = "/api/v1/articles/"

    def poll(etag):
        answer = api.get(path, HTTP_IF_NONE_MATCH=etag)
        headlines = [item["headline"] for item in answer.json()["results"]] if answer.status_code == 200 else None
        return answer.status_code, answer["ETag"], headlines

    etag = api.get(path)["ETag"]
    with django_assert_num_queries(0):
        assert poll(etag) == (304, etag, None)

    story = make_article(status=Status.APPROVED, image=make_image(), headline="Tundra comes to Japan")
    act(workflow.publish, story, editor)
    status, etag, headlines = poll(etag)
    assert status == 200 and headlines[0] == "Tundra comes to Japan"
    with django_assert_num_queries(0):
        assert poll(etag)[0] == 304

    act(workflow.withdraw, story, editor, "Published too early.")
    status, etag, headlines = poll(etag)
    assert status == 200 and "Tundra comes to Japan" not in headlines

    scheduled = make_article(status=Status.APPROVED, image=make_image(), headline="Camry goes on sale")
    go_live = timezone.now() + timedelta(hours=1)
    act(workflow.schedule, scheduled, editor, go_live)
    assert poll(etag)[0] == 304  # read again after the event: nothing partners see changed yet
    with django_assert_num_queries(0):
        assert poll(etag)[0] == 304
    # The minute comes with no event: no worker has run, nothing told the caches.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=1, minutes=1))
    status, etag, headlines = poll(etag)
    assert status == 200 and headlines[0] == "Camry goes on sale"


def test_kept_validators_are_per_format_path_and_sections(client, partner, django_assert_num_queries):
    """Partners of other sections, another format or another page size never get each other's 304."""
    industry = Section.objects.create(name="Industry", slug="industry")
    make_article(section=industry)
    make_article()
    everything = ApiClient(client, partner.issue_key()[1])
    scoped = ApiClient(client, make_partner("Scoped", sections=[industry]).issue_key()[1])
    etag = everything.get("/api/v1/articles/")["ETag"]
    assert everything.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    for api, path, asked in [
        (scoped, "/api/v1/articles/", {}),
        (everything, "/api/v1/articles/", {"HTTP_ACCEPT": NINJS}),
        (everything, "/api/v1/articles/?page_size=1", {}),
    ]:
        assert api.get(path, HTTP_IF_NONE_MATCH=etag, **asked).status_code == 200, (path, asked)
    # A partner's sections changed: its next poll is read afresh, not answered from the old ones.
    partner.sections.set([industry])
    with django_assert_num_queries(3):  # the key, the page's keys, its documents
        assert everything.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=etag).status_code == 200
