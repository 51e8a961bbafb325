"""The API serves each article's stored documents (``newsroom.syndication.documents``, built by the
read model at workflow steps): byte for byte what the serialisers and the renderer make of the
same data, for the list, the detail and the change feed in both formats."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from articles import readmodel, workflow
from articles.models import Article, Representation
from newsroom.syndication import loading, ninjs, serializers
from tests.syndication.conftest import make_article

pytestmark = pytest.mark.django_db


def fresh(ids, ninjs_format):
    """The documents of ``ids`` as the API made them per request before they were stored."""
    loaded = Article.objects.select_related("section", "lead_image").in_bulk(ids)
    articles = loading.with_related([loaded[pk] for pk in ids])
    if ninjs_format:
        return [ninjs.article_document(article) for article in articles]
    return serializers.ArticleSerializer(articles, many=True).data


def rendered(data):
    return JSONRenderer().render(data)


@pytest.fixture
def awkward(rich_articles):
    """A story whose text JSON escapes: quotes, a backslash, non-ASCII and the line separators the
    renderer escapes (U+2028, U+2029)."""
    article = make_article(
        headline='Škoda\u2028"Élan" \\ 東京\u2029',
        body="<p>Ünïcode — “quotes” and a tab\there.</p>",
    )
    return [*rich_articles, article]


@pytest.mark.parametrize("fmt", [None, "ninjs"])
def test_the_list_is_byte_for_byte_what_the_serialisers_make(api, awkward, fmt):
    params = {"page_size": 100} | ({"format": fmt} if fmt else {})
    response = api.get("/api/v1/articles/", params)
    page = json.loads(response.content)
    ids = [item["id"] if fmt is None else int(item["altIds"][0]["value"]) for item in page["results"]]
    assert set(ids) >= {article.pk for article in awkward}  # and the demo's story
    expected = {"next": page["next"], "changes_cursor": page["changes_cursor"], "results": fresh(ids, bool(fmt))}
    assert response.content == rendered(expected)
    assert response["Content-Type"] == ("application/ninjs+json" if fmt else "application/json")


@pytest.mark.parametrize("fmt", [None, "ninjs"])
def test_the_detail_is_byte_for_byte_what_the_serialisers_make(api, awkward, fmt):
    article = awkward[-1]
    response = api.get(f"/api/v1/articles/{article.pk}/", {"format": fmt} if fmt else {})
    assert response.content == rendered(fresh([article.pk], bool(fmt))[0])
    assert response["Vary"] == "Accept, Authorization" and response["ETag"] and response["Last-Modified"]


@pytest.mark.parametrize("fmt", [None, "ninjs"])
def test_the_change_feed_is_byte_for_byte_what_the_serialisers_make(api, editor, awkward, fmt, act):
    live, gone = awkward[0], awkward[1]
    act(workflow.update, live, editor)
    act(workflow.withdraw, gone, editor, "Wrong figures.")
    response = api.get("/api/v1/changes/", {"format": fmt} if fmt else {})
    page = json.loads(response.content)
    events = {change["sequence"]: change for change in page["results"]}
    results = []
    for change in page["results"]:
        event = type("Event", (), {})()
        event.pk, event.event, event.article_id = change["sequence"], change["event"], change["article_id"]
        event.occurred_at = serializers.DATETIME.to_internal_value(change["occurred_at"])
        if change["article_id"] != gone.pk:  # the demo's story, and the updated one
            document = fresh([change["article_id"]], bool(fmt))[0]
        elif fmt:
            document = ninjs.tombstone_document(gone.pk, event.occurred_at, "Wrong figures.")
        else:
            document = serializers.tombstone(gone.pk, "Wrong figures.")
        results.append(serializers.change_entry(event, document))
    assert [change["event"] for change in events.values()] == ["published", "updated", "withdrawn"]
    assert response.content == rendered({"cursor": page["cursor"], "next": page["next"], "results": results})


def test_stored_documents_hold_nothing_of_the_request(api, client, partner, rich_articles):
    """Built once for everyone: another Host asked changes no link, and no media URL is signed."""
    article = rich_articles[0]
    secret = partner.issue_key(name="other host")[1]
    path = f"/api/v1/articles/{article.pk}/"
    asked_elsewhere = client.get(path, HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="evil.example")
    assert asked_elsewhere.status_code in (200, 400)
    for content in Representation.objects.filter(article=article.pk).values_list("content", flat=True):
        assert "evil.example" not in content and "X-Amz-" not in content and "Signature=" not in content


def test_a_stored_document_changes_only_at_a_step_or_a_rebuild(api, editor, rich_articles, act):
    """A save is not a step: partners see the edit once it is published (``workflow.update``)."""
    article = rich_articles[0]
    path = f"/api/v1/articles/{article.pk}/"
    Article.objects.filter(pk=article.pk).update(headline="Saved, not published")
    assert "Saved, not published" not in api.get(path).content.decode()
    act(workflow.update, article, editor)
    assert api.get(path).json()["headline"] == "Saved, not published"
    assert readmodel.sync([article.pk]) == set()  # built again from the same data: nothing changes
