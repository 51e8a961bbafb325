"""The article endpoints as a partner's integration sees them: content, formats, filters,
pagination, caching, scope, and a fixed number of queries."""

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from articles import workflow
from articles.models import Article, Section, Tag
from newsroom.core import public_data
from newsroom.media.models import Image, Rendition
from newsroom.syndication import http
from tests.syndication.conftest import ApiClient, assert_ninjs, make_article, make_partner

pytestmark = pytest.mark.django_db


def _all_pages(api, path, params=None):
    results, url, params = [], path, dict(params or {})
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        page = response.json()
        results += page["results"]
        url, params = page["next"], None
    return results


def test_the_toyota_story_in_native_json(api, demo):
    response = api.get("/api/v1/articles/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    [story] = response.json()["results"]
    assert story["headline"].startswith("Toyota to sell US-built Camry")
    assert story["section"]["slug"] == "industry"
    assert {tag["slug"] for tag in story["tags"]} == {"toyota", "japan", "trade"}
    assert [vehicle["model"] for vehicle in story["vehicles"]] == ["Camry", "Highlander", "Tundra"]
    assert story["byline"] == "Walter Writer and Erika Editor"
    assert story["lead_image"]["renditions"][0]["width"] == 1600
    assert "Kluger" in story["body_text"] and "<p>" not in story["body_text"]
    assert story["status"] == "usable"
    assert api.get(f"/api/v1/articles/{story['id']}/").json() == story


def test_the_toyota_story_in_ninjs_by_accept_header_and_by_format(api, demo):
    story = demo["articles"]["published"]
    by_header = api.get(f"/api/v1/articles/{story.pk}/", HTTP_ACCEPT="application/ninjs+json")
    by_param = api.get(f"/api/v1/articles/{story.pk}/", {"format": "ninjs"})
    assert by_header.json() == by_param.json()
    for response in (by_header, by_param):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/ninjs+json"
        document = response.json()
        assert_ninjs(document)
        assert document["pubStatus"] == "usable"
        assert document["headlines"][0]["value"] == story.headline
        assert {body["contentType"] for body in document["bodies"]} == {"text/html", "text/plain"}
        assert {s["rel"] for s in document["subjects"]} == {"section", "tag", "about"}
        assert "JP" in {place["literal"] for place in document["places"]}
        assert {"make", "manufacturer"} <= {o["rel"] for o in document["organisations"]}
        lead = document["associations"][0]
        assert lead["renditions"][0]["width"] == 1600 and lead["renditions"][0]["contentType"] == "image/jpeg"


def test_every_ninjs_document_in_a_list_validates(api, rich_articles):
    documents = _all_pages(api, "/api/v1/articles/", {"format": "ninjs", "page_size": 100})
    assert len(documents) == 51
    for document in documents:
        assert_ninjs(document)


def test_keyset_pagination_walks_every_article_once_newest_first(api, media, db):
    articles = [make_article() for _ in range(7)]
    seen = _all_pages(api, "/api/v1/articles/", {"page_size": 3})
    assert [item["id"] for item in seen] == [a.pk for a in sorted(articles, key=lambda a: a.publish_at, reverse=True)]


def test_next_links_come_from_the_site_url_whatever_host_the_request_named(api, demo, media, settings):
    """A partner follows and stores ``next``: it must name the public address, not the host, port or
    scheme one request reached (an app server behind the proxy, a Host the client chose)."""
    settings.SITE_URL = "https://news.example.com"
    make_article()
    for path in ("/api/v1/articles/", "/api/v1/sections/", "/api/v1/tags/", "/api/v1/vehicle-models/"):
        page = api.get(path, {"page_size": 1}, HTTP_HOST="localhost:8141", HTTP_X_FORWARDED_PROTO="https").json()
        assert page["next"].startswith(f"https://news.example.com{path}?"), page["next"]
        assert "cursor=" in page["next"] and "page_size=1" in page["next"]


def test_list_runs_a_fixed_number_of_queries(api, rich_articles, django_assert_num_queries):
    # the key with its partner and the partner's sections, page keys with feed head, the stored
    # documents (were 9, ninjs 11, before they were stored: articles, tags, corrections, renditions,
    # bylines, article vehicles, markets and manufacturers; then 4, the sections read on their own)
    with django_assert_num_queries(3):
        response = api.get("/api/v1/articles/", {"page_size": 100})
    assert len(response.json()["results"]) == 51
    # The key is kept by the process from then on (``authentication.known_keys``).
    with django_assert_num_queries(2):
        response = api.get("/api/v1/articles/", {"page_size": 100, "format": "ninjs"})
    assert len(response.json()["results"]) == 51
    with django_assert_num_queries(2):
        api.get("/api/v1/articles/", {"page_size": 5})
    # An empty page: the page, the feed's position, the page again
    with django_assert_num_queries(3):
        assert api.get("/api/v1/articles/", {"section": "nothing-here"}).json()["results"] == []


def test_detail_runs_a_fixed_number_of_queries(api, rich_articles, django_assert_num_queries):
    # the key with its partner and sections, the article's stored document with its keys (were 10
    # and 8, then 4, then 3)
    with django_assert_num_queries(2):
        response = api.get(f"/api/v1/articles/{rich_articles[0].pk}/", {"format": "ninjs"})
    assert len(response.json()["subjects"]) == 1 + 3 + 3
    with django_assert_num_queries(1):  # the key is kept by the process (``authentication.known_keys``)
        response = api.get(f"/api/v1/articles/{rich_articles[0].pk}/")
    assert len(response.json()["vehicles"]) == 3


def test_a_current_copy_is_answered_before_loading_the_articles(api, rich_articles, django_assert_num_queries):
    for path in (f"/api/v1/articles/{rich_articles[0].pk}/", "/api/v1/articles/?page_size=100&format=ninjs"):
        etag = api.get(path)["ETag"]
        # The article's keys; a page's validators are known from the answer before
        # (``pagecache.known_validators``), and the key from the first request
        # (``authentication.known_keys``): a current copy of the list reads nothing.
        with django_assert_num_queries(1 if "/articles/?" not in path else 0):
            response = api.get(path, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304 and response["ETag"] == etag


def test_the_etag_changes_when_an_article_on_the_page_changes(
    api, rich_articles, editor, django_capture_on_commit_callbacks
):
    for path in (f"/api/v1/articles/{rich_articles[0].pk}/", "/api/v1/articles/"):
        etag = api.get(path)["ETag"]
        with django_capture_on_commit_callbacks(execute=True):  # an edit reaches partners at its workflow step
            Article.objects.filter(pk=rich_articles[0].pk).update(headline="Renamed", version=F("version") + 1)
            workflow.update(rich_articles[0], editor)
        changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200 and changed["ETag"] != etag
        assert "Renamed" in changed.content.decode()


def test_a_copy_made_by_older_code_is_not_current_after_the_representation_changes(api, rich_articles, monkeypatch):
    """A deploy that shapes the same data differently (e.g. a new text conversion) raises
    REPRESENTATION_VERSION: partners holding the old copy get the new one, not a 304."""
    for path in (f"/api/v1/articles/{rich_articles[0].pk}/", "/api/v1/articles/?format=ninjs"):
        etag = api.get(path)["ETag"]
        monkeypatch.setattr(http, "REPRESENTATION_VERSION", http.REPRESENTATION_VERSION + 1)
        answer = api.get(path, HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200 and answer["ETag"] != etag
        monkeypatch.undo()


def test_the_etag_changes_when_a_tag_a_section_or_a_caption_it_shows_changes(
    api, rich_articles, django_capture_on_commit_callbacks
):
    """Not the article's own row: without this a partner's 304 would keep the old names forever."""
    article = rich_articles[0]
    renames = [
        lambda: _rename(article.tags.first(), "name", "Renamed tag"),
        lambda: _rename(article.section, "name", "Renamed section"),
        lambda: _rename(article.lead_image, "caption", "Renamed caption"),
    ]
    for path in (f"/api/v1/articles/{article.pk}/", "/api/v1/articles/?format=ninjs"):
        for rename in renames:
            etag = api.get(path)["ETag"]
            with django_capture_on_commit_callbacks(execute=True):  # the stories showing it are built again
                expected = rename()
            changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
            assert changed.status_code == 200 and changed["ETag"] != etag, (path, expected)
            assert expected in changed.content.decode()


def _rename(record, field, prefix):
    value = f"{prefix} {record.pk} {getattr(record, field)[-4:]}x"
    setattr(record, field, value)
    record.save()
    return value


def test_the_etag_changes_when_a_rendition_is_made(api, rich_articles, django_capture_on_commit_callbacks):
    """Renditions are made by the task worker after an upload; a partner's copy then lacks one."""
    path = f"/api/v1/articles/{rich_articles[0].pk}/"
    etag = api.get(path)["ETag"]
    image = rich_articles[0].lead_image
    with django_capture_on_commit_callbacks(execute=True):
        Rendition.objects.create(
            image=image,
            spec="width-32",
            format="webp",
            file="images/renditions/new.webp",
            width=32,
            height=18,
            byte_size=100,
        )
        public_data.changed.send(sender=Image, instance=image)  # as ``make_reader_renditions`` tells
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "width-32.webp" in [rendition["name"] for rendition in changed.json()["lead_image"]["renditions"]]


def test_filters(api, demo, media):
    news = Section.objects.get(slug="news")
    toyota = Tag.objects.get(slug="toyota")
    camry = demo["vehicles"]["camry"]
    plain = make_article(section=news)
    tagged = make_article(section=news, tags=[toyota])
    story = demo["articles"]["published"]

    def ids(**params):
        return {item["id"] for item in api.get("/api/v1/articles/", params).json()["results"]}

    assert ids(section="news") == {plain.pk, tagged.pk}
    assert ids(tag="toyota") == {tagged.pk, story.pk}
    assert ids(vehicle=camry.pk) == {story.pk}
    assert ids(make="toyota") == {story.pk}
    assert ids(market="jp") == {story.pk}
    assert ids(make="no-such-make") == set()
    assert ids(published_after=plain.publish_at.isoformat()) >= {plain.pk}
    assert plain.pk not in ids(published_before=plain.publish_at.isoformat())
    assert ids(updated_after=(timezone.now() + timezone.timedelta(days=1)).isoformat()) == set()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"page_size": "10000"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),  # base64 of []
        ({"cursor": "WyJ4IiwgMV0"}, "cursor"),  # ["x", 1]
        ({"cursor": "A" * 5000}, "cursor"),
        ({"published_after": "yesterday"}, "published_after"),
        ({"updated_before": "2026-13-45T99:00:00Z"}, "updated_before"),
        ({"vehicle": "camry"}, "vehicle"),
        ({"vehicle": "-3"}, "vehicle"),
        ({"market": "Japan"}, "market"),
        ({"section": "x" * 500}, "section"),
        ({"tag": "<script>"}, "tag"),
        ({"format": "xml"}, "format"),
        ({"format": "ninjs2"}, "format"),
    ],
)
def test_malformed_parameters_are_a_400_problem_naming_them(api, params, parameter):
    response = api.get("/api/v1/articles/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert parameter in problem["detail"]
    assert parameter in [error["parameter"] for error in problem["errors"]]
    assert problem["request_id"] == response["X-Request-ID"]


def test_malformed_cursor_on_the_change_feed(api):
    response = api.get("/api/v1/changes/", {"cursor": "%%%"})
    assert response.status_code == 400 and response.json()["errors"][0]["parameter"] == "cursor"


def test_conditional_requests_answer_304(api, demo):
    story = demo["articles"]["published"]
    for path in (f"/api/v1/articles/{story.pk}/", "/api/v1/articles/", "/api/v1/sections/"):
        first = api.get(path)
        assert first.status_code == 200
        assert first["ETag"]
        assert first["Cache-Control"] == "private, no-cache"
        assert "Authorization" in first["Vary"]
        again = api.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
    first = api.get(f"/api/v1/articles/{story.pk}/")
    assert first["Last-Modified"]
    assert api.get(f"/api/v1/articles/{story.pk}/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert api.get(f"/api/v1/articles/{story.pk}/", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_etag_differs_by_format(api, demo):
    story = demo["articles"]["published"]
    json_etag = api.get(f"/api/v1/articles/{story.pk}/")["ETag"]
    ninjs_etag = api.get(f"/api/v1/articles/{story.pk}/", {"format": "ninjs"})["ETag"]
    assert json_etag != ninjs_etag


def test_a_partner_sees_only_its_sections(client, demo, media):
    news = Section.objects.get(slug="news")
    in_news = make_article(section=news)
    story = demo["articles"]["published"]  # Industry
    partner = make_partner("News Only", sections=[news])
    _key, secret = partner.issue_key()
    api = ApiClient(client, secret)
    assert [item["id"] for item in api.get("/api/v1/articles/").json()["results"]] == [in_news.pk]
    hidden = api.get(f"/api/v1/articles/{story.pk}/")
    assert hidden.status_code == 404
    assert hidden["Content-Type"] == "application/problem+json"
    assert api.get("/api/v1/articles/", {"section": "industry"}).json()["results"] == []
    assert [s["slug"] for s in api.get("/api/v1/sections/").json()["results"]] == ["news"]
    assert api.get("/api/v1/sections/industry/").status_code == 404


def test_a_partner_without_articles_gets_404(client, demo):
    partner = make_partner("Dealer Portal", receives_articles=False)
    _key, secret = partner.issue_key()
    api = ApiClient(client, secret)
    story = demo["articles"]["published"]
    for path in ("/api/v1/articles/", f"/api/v1/articles/{story.pk}/", "/api/v1/changes/"):
        assert api.get(path).status_code == 404
    assert api.get("/api/v1/vehicle-models/").status_code == 200


def test_sections_and_tags(api, demo, django_assert_num_queries):
    # the key with its partner and sections, the page (was 3: the partner's sections on their own)
    with django_assert_num_queries(2):
        sections = api.get("/api/v1/sections/").json()["results"]
    assert {s["slug"] for s in sections} == {"news", "industry", "reviews"}
    with django_assert_num_queries(1):  # the key is kept by the process (``authentication.known_keys``)
        tags = api.get("/api/v1/tags/").json()["results"]
    # Only tags of live articles: "hybrids" is unused, the draft's and the scheduled story's add nothing new.
    assert {t["slug"] for t in tags} == {"toyota", "japan", "trade"}
    assert api.get("/api/v1/tags/toyota/").json()["name"] == "Toyota"
    assert api.get("/api/v1/tags/hybrids/").status_code == 404


def test_unknown_api_paths_are_problem_documents(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["X-Request-ID"]


def test_writes_are_refused_with_a_problem(api, client):
    response = client.post("/api/v1/articles/", {}, headers={"Authorization": f"Bearer {api.secret}"})
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_paths_with_control_characters_are_problem_documents(api):
    response = api.get("/api/v1/articles/a%0Ab%0Dc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_problem_types_resolve_to_an_explanation(client, db):
    problem = client.get("/api/v1/articles/").json()
    path = problem["type"].removeprefix(settings.SITE_URL)
    explanation = client.get(path).json()
    assert explanation["title"] == problem["title"] and "Bearer" in explanation["description"]
    assert client.get("/api/problems/nonsense").status_code == 404


def test_the_body_as_text_reads_as_the_page_shows_it_in_both_formats(api):
    """One conversion (``newsroom.core.text.html_to_text``): a paragraph wrapped in the source is
    one paragraph, a <br> a line break, entities decoded; ninjs' text body is the JSON body_text."""
    article = make_article(body="<p>Toyota will sell\nthree cars &amp; a truck.</p>\n<p>Line one<br>Line two</p>")
    text = "Toyota will sell three cars & a truck.\n\nLine one\nLine two"
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["body_text"] == text
    document = api.get(f"/api/v1/articles/{article.pk}/", {"format": "ninjs"}).json()
    plain = next(body for body in document["bodies"] if body["contentType"] == "text/plain")
    assert plain["value"] == text
    html = next(body for body in document["bodies"] if body["contentType"] == "text/html")
    assert (html["charCount"], html["wordCount"]) == (len(text), 12)


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        (None, {}, "application/json"),
        ("*/*", {}, "application/json"),
        ("application/json", {}, "application/json"),
        ("application/ninjs+json", {}, "application/ninjs+json"),
        (None, {"format": "ninjs"}, "application/ninjs+json"),
        ("application/xml, application/ninjs+json", {}, "application/ninjs+json"),
    ],
)
def test_the_format_asked_for_is_the_format_answered(api, rich_articles, accept, query, media_type):
    """The common Accept headers are answered without parsing them, as REST framework would answer them."""
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    for path in ("/api/v1/articles/", f"/api/v1/articles/{rich_articles[0].pk}/"):
        response = api.get(path, query, **headers)
        assert response.status_code == 200 and response["Content-Type"] == media_type
        document = response.json()["results"][0] if path == "/api/v1/articles/" else response.json()
        assert ("headline" in document) == (media_type == "application/json")
