"""The change feed: every publish, update, correction and withdrawal exactly once, in commit
order, withdrawn articles as tombstones, and a sync that stays exact while editors publish."""

import json
import threading

import pytest
from django.db import connection

from articles import workflow
from articles.models import Article, Section, Status, Tag
from articles.services import publish_changes, save_article
from newsroom.media.models import Image
from newsroom.syndication.models import ChangeEvent
from tests.syndication.conftest import ApiClient, assert_ninjs, make_article, make_image, make_partner, sync

INTERNAL_NOTE = "Internal: solicitor's letter ref. 2026/114, do not repeat."


def save_and_publish(article, editor, expected_version, message):
    """An editor's edit of a live story, saved as a draft and then published."""
    save_article(article, editor, expected_version=expected_version, message=message)
    return publish_changes(article, editor, article.version)


def _approved(**fields):
    return make_article(status=Status.APPROVED, image=make_image(), **fields)


@pytest.mark.django_db
def test_publish_update_correct_withdraw_in_order_with_a_tombstone(api, editor, media, settings, act):
    article = _approved()
    act(workflow.publish, article, editor)
    changes, cursor = sync(api)
    assert [(c["event"], c["article"]["headline"]) for c in changes] == [("published", article.headline)]

    article.refresh_from_db()
    article.headline = "A better headline"
    act(save_and_publish, article, editor, expected_version=article.version, message="Sharper headline")
    act(workflow.correct, article, editor, "An earlier version gave the wrong plant.")
    new, cursor = sync(api, cursor)
    assert [c["event"] for c in new] == ["updated", "corrected"]
    assert new[-1]["article"]["headline"] == "A better headline"
    assert new[-1]["article"]["corrections"][0]["text"].startswith("An earlier version")

    act(workflow.withdraw, article, editor, "Legal asked us to.", note=INTERNAL_NOTE)
    new, cursor = sync(api, cursor)
    assert [(c["event"], c["article_id"]) for c in new] == [("withdrawn", article.pk)]
    tombstone = {
        "id": article.pk,
        "uri": f"{settings.SITE_URL}/api/v1/articles/{article.pk}/",
        "status": "canceled",
        "reason": "Legal asked us to.",
    }
    assert new[0]["article"] == tombstone
    assert "body_html" not in new[0]["article"]

    # Caught up: polling again brings nothing and keeps the position.
    assert sync(api, cursor) == ([], cursor)
    # Replaying from the start never shows the withdrawn body again, in any format, and every
    # entry tells why the article went; the editor's internal note is in none of them.
    replay, _ = sync(api)
    assert [c["event"] for c in replay] == ["published", "updated", "corrected", "withdrawn"]
    assert all(c["article"] == tombstone for c in replay)
    ninjs_replay, _ = sync(api, fmt="ninjs")
    for change in ninjs_replay:
        assert_ninjs(change["article"])
        assert change["article"]["pubStatus"] == "canceled"
        assert "bodies" not in change["article"] and "headlines" not in change["article"]
        assert change["article"]["descriptions"] == [
            {"role": "withdrawal", "contentType": "text/plain", "value": "Legal asked us to."}
        ]
    assert INTERNAL_NOTE not in json.dumps([replay, ninjs_replay])


@pytest.mark.django_db
def test_every_ninjs_document_the_api_serves_validates(client, editor, demo, media, act):
    """The list, the detail and the change feed in ninjs, for articles with everything a document
    carries (corrections, a lead image with credit and copyright, a decorative one, tags, vehicles
    with their markets and manufacturers, no byline) and both tombstones (withdrawn with a reason,
    and gone from the partner's sections), each valid against IPTC's ninjs 3.1 schema."""
    news = Section.objects.get_or_create(slug="news", defaults={"name": "News"})[0]
    elsewhere = Section.objects.create(slug="elsewhere", name="Elsewhere")
    api = ApiClient(client, make_partner("Ninjs Reader", sections=[news]).issue_key()[1])
    image = make_image()
    Image.objects.filter(pk=image.pk).update(copyright="© Newsroom 2026")
    decorative = make_image("Texture")
    Image.objects.filter(pk=decorative.pk).update(is_decorative=True, alt_text="", caption="", credit="")
    tags = [Tag.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0] for slug in ("recalls", "ev")]
    full = make_article(
        status=Status.APPROVED, section=news, image=image, tags=tags, vehicles=list(demo["vehicles"].values())
    )
    plain = make_article(status=Status.APPROVED, section=news, image=decorative, authors=())
    leaving = make_article(status=Status.APPROVED, section=news, image=make_image())
    for article in (full, plain, leaving):
        act(workflow.publish, article, editor)
    act(workflow.correct, full, editor, "An earlier version gave the wrong plant.")

    documents = api.get("/api/v1/articles/", {"format": "ninjs", "page_size": 100}).json()["results"]
    documents += [api.get(f"/api/v1/articles/{a.pk}/", {"format": "ninjs"}).json() for a in (full, plain, leaving)]
    act(workflow.withdraw, plain, editor, "Legal asked us to.")
    leaving.refresh_from_db()
    leaving.section = elsewhere
    act(save_and_publish, leaving, editor, expected_version=leaving.version, message="Moved")
    changes, _ = sync(api, fmt="ninjs")
    documents += [change["article"] for change in changes]

    for document in documents:
        assert_ninjs(document)
    roles = {description["role"] for document in documents for description in document.get("descriptions", [])}
    assert {"summary", "correction", "withdrawal"} <= roles
    assert any({"places", "organisations", "associations", "subjects", "by"} <= set(d) for d in documents)
    assert any(d["pubStatus"] == "usable" and "by" not in d for d in documents)
    tombstones = [d for d in documents if d["pubStatus"] == "canceled"]
    assert {bool(d.get("descriptions")) for d in tombstones} == {True, False}


@pytest.mark.django_db
def test_the_feed_in_ninjs_validates(api, editor, media, act):
    for _ in range(3):
        act(workflow.publish, _approved(), editor)
    changes, _ = sync(api, fmt="ninjs")
    assert len(changes) == 3
    for change in changes:
        assert_ninjs(change["article"])
        assert change["article"]["pubStatus"] == "usable"


@pytest.mark.django_db
def test_full_list_then_feed_from_its_changes_cursor_misses_nothing(api, editor, media, act):
    act(workflow.publish, _approved(), editor)
    listing = api.get("/api/v1/articles/").json()
    late = _approved()
    act(workflow.publish, late, editor)
    changes, _ = sync(api, listing["changes_cursor"])
    assert [(c["event"], c["article_id"]) for c in changes] == [("published", late.pk)]


@pytest.mark.django_db
def test_moving_out_of_a_partners_sections_reaches_it_as_a_removal(client, editor, media, act):
    news = Section.objects.create(name="Newsy", slug="newsy")
    reviews = Section.objects.create(name="Reviewsy", slug="reviewsy")
    api = ApiClient(client, make_partner("News Only", sections=[news]).issue_key()[1])
    article = _approved(section=news)
    act(workflow.publish, article, editor)
    other = _approved(section=reviews)
    act(workflow.publish, other, editor)
    changes, cursor = sync(api)
    assert [c["article_id"] for c in changes] == [article.pk]

    article.refresh_from_db()
    article.section = reviews
    act(save_and_publish, article, editor, expected_version=article.version, message="Moved to reviews")
    moved, _ = sync(api, cursor)
    assert [(c["event"], c["article"]["status"]) for c in moved] == [("updated", "canceled")]
    assert moved[0]["article"]["reason"] is None  # removed for this partner, not withdrawn: no reason to give


@pytest.mark.django_db
def test_feed_query_count_is_fixed(api, editor, demo, media, django_assert_num_queries, act):
    vehicles = list(demo["vehicles"].values())[:3]
    for _ in range(6):
        act(workflow.publish, _approved(vehicles=vehicles), editor)
    # the key with its partner and sections, the changes, the stored documents (were 9, loading the
    # articles, then 4, the partner's sections on their own)
    with django_assert_num_queries(3):
        response = api.get("/api/v1/changes/", {"page_size": 100})
    # The demo's Toyota story was published through the workflow too: 1 + 6 changes.
    assert len(response.json()["results"]) == 7


def _publisher(editor_pk, article_pks, errors):
    """An editor in another thread: publishes each article, then updates every other one."""
    from django.contrib.auth import get_user_model

    try:
        editor = get_user_model().objects.get(pk=editor_pk)
        for pk in article_pks:
            workflow.publish(Article.objects.get(pk=pk), editor)
        for pk in article_pks[::2]:
            article = Article.objects.get(pk=pk)
            article.standfirst += " Updated."
            save_and_publish(article, editor, expected_version=article.version, message="Update")
        workflow.withdraw(Article.objects.get(pk=article_pks[-1]), editor, "Withdrawn during the sync.")
    except Exception as error:  # surfaced by the test
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_sync_running_while_editors_publish_sees_every_change_exactly_once_in_order(client, editor, media, settings):
    """Two editors publish and update in other threads while a partner pages through the feed
    (two items a page) and polls; afterwards it has seen exactly the feed, in order."""
    api = ApiClient(client, make_partner("Syncer", rate_limit_per_minute=100_000).issue_key()[1])
    batches = [[_approved().pk for _ in range(8)] for _ in range(2)]
    errors = []
    threads = [threading.Thread(target=_publisher, args=(editor.pk, batch, errors)) for batch in batches]
    for thread in threads:
        thread.start()
    seen, cursor, rounds = [], None, 0
    while any(thread.is_alive() for thread in threads) or rounds == 0:
        new, cursor = sync(api, cursor)
        seen += new
        rounds += 1
    for thread in threads:
        thread.join()
    new, cursor = sync(api, cursor)
    seen += new
    assert not errors, errors

    expected = list(ChangeEvent.objects.order_by("id").values_list("id", "event", "article_id"))
    assert len(expected) == 16 + 8 + 2
    assert [(c["sequence"], c["event"], c["article_id"]) for c in seen] == expected
    sequences = [c["sequence"] for c in seen]
    assert sequences == sorted(set(sequences))
    # The partner's final copy: every live article with its latest text, the withdrawn ones removed.
    final = {}
    for change in seen:
        final[change["article_id"]] = change["article"]
    live = {a.pk: a for a in Article.objects.live()}
    assert {pk for pk, doc in final.items() if doc["status"] == "usable"} == set(live)
    for pk, article in live.items():
        assert final[pk]["standfirst"] == article.standfirst


@pytest.mark.django_db
def test_webhooks_reach_exactly_the_partners_whose_feed_has_the_change():
    """One rule for which changes a partner sees (``changes.changes_for`` in SQL, ``sees_change``
    for webhooks): in its sections, or just out of one; every change for a partner without sections."""
    from itertools import product

    from newsroom.syndication.changes import changes_for, sees_change

    ours, theirs, elsewhere = (Section.objects.create(name=name, slug=name) for name in ("ours", "theirs", "other"))
    article = make_article(section=ours)
    partners = [make_partner("Everything"), make_partner("Ours"), make_partner("Theirs")]
    partners[1].sections.set([ours])
    partners[2].sections.set([theirs])
    for section, previous in product([ours, theirs, elsewhere, None], repeat=2):
        change = ChangeEvent.objects.create(
            article=article, event="updated", section=section, previous_section=previous, article_version=1
        )
        for partner in partners:
            in_feed = changes_for(partner).filter(pk=change.pk).exists()
            assert sees_change(partner, change) is in_feed, (partner.name, section, previous)
    assert changes_for(partners[1]).count() == 7  # ours now or before: 4 + 4 - 1
