"""Drafts of changes over live stories (issue 17, part 1): saving a live story changes nothing
readers or partners see; publishing its changes is a workflow step an editor takes; a writer's
edit waits for review; pending changes can be discarded; who else has the story open is shown."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from articles import workflow
from articles.models import Article, Author, Byline, EditingPresence, PendingChanges, Revision, Tag, Transition
from articles.services import (
    EditConflict,
    discard_changes,
    latest_version,
    publish_changes,
    restore_revision,
    save_article,
)
from articles.signals import article_changing, article_event
from tests.articles.test_admin import CHANGE, form_data, text


@pytest.fixture
def events():
    """Every workflow event from here on, committed or not, as (signal, event); the test clears it
    once its article is made."""
    seen = []

    def committed(sender, article, event, **kwargs):
        seen.append(("event", event))

    def changing(sender, article, event, **kwargs):
        seen.append(("changing", event))

    article_event.connect(committed)
    article_changing.connect(changing)
    yield seen
    article_event.disconnect(committed)
    article_changing.disconnect(changing)


@pytest.fixture
def emails(writer, editor):
    writer.email, editor.email = "wendy@example.com", "eddie@example.com"
    writer.save()
    editor.save()


def _edit(article, user, **fields):
    for name, value in fields.items():
        setattr(article, name, value)
    return save_article(article, user, latest_version(article), "Edited")


def test_saving_a_live_story_keeps_the_live_version_and_tells_nobody(
    make_article, editor, events, django_capture_on_commit_callbacks
):
    article = make_article("published")
    events.clear()
    live = Article.objects.get(pk=article.pk)
    tag = Tag.objects.create(name="Recall", slug="recall")
    with django_capture_on_commit_callbacks(execute=True):
        revision = save_article(
            article, editor, article.version, "New figures", save_related=lambda: article.tags.add(tag)
        )
    stored = Article.objects.get(pk=article.pk)
    # The row, its version and its time (what the API's ETag reads) and its tags are untouched.
    assert (stored.headline, stored.body, stored.version, stored.updated_at) == (
        live.headline,
        live.body,
        live.version,
        live.updated_at,
    )
    assert not stored.tags.exists()
    assert events == []
    pending = PendingChanges.objects.get(article=article)
    assert (pending.revision, pending.live_version, revision.version) == (revision, 1, 2)
    assert [t["name"] for t in revision.snapshot["tags"]] == ["Recall"]
    assert article.version == 2  # the editor continues from the draft


def test_publishing_changes_applies_the_draft_and_takes_one_update_step(
    make_article, editor, events, django_capture_on_commit_callbacks
):
    article = make_article("published")
    events.clear()
    tag = Tag.objects.create(name="Recall", slug="recall")
    author = Author.objects.create(name="Second Author", slug="second-author")
    _edit(article, editor, headline="A sharper headline")
    save_article(
        article,
        editor,
        article.version,
        "Byline and tag",
        save_related=lambda: (article.tags.add(tag), Byline.objects.create(article=article, author=author, position=1)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        published = publish_changes(article, editor, 3, comment="Figures checked")
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.version, stored.status) == ("A sharper headline", 3, "published")
    assert list(stored.tags.values_list("name", flat=True)) == ["Recall"]
    assert list(stored.bylines.values_list("author__name", flat=True)) == ["Wendy-Writer", "Second Author"]
    assert events == [("changing", "updated"), ("event", "updated")]
    assert published.last_published_at is not None
    assert not PendingChanges.objects.filter(article=article).exists()
    step = Transition.objects.filter(article=article).first()
    assert (step.action, step.user, step.comment) == ("update", editor, "Figures checked")


def test_publishing_changes_with_a_notice_is_a_correction(make_article, editor, events):
    article = make_article("published")
    events.clear()
    _edit(article, editor, body="<p>It makes 200 kW.</p>")
    publish_changes(article, editor, article.version, correction="We gave the wrong power output.")
    stored = Article.objects.get(pk=article.pk)
    assert stored.body == "<p>It makes 200 kW.</p>"
    assert stored.corrections.get().text == "We gave the wrong power output."
    assert events == [("changing", "corrected")]


def test_a_writers_change_waits_for_an_editor(make_article, writer, editor):
    article = make_article("published", by=writer)
    _edit(article, writer, headline="The writer's new headline")
    with pytest.raises(workflow.NotAllowed):
        publish_changes(article, writer, article.version)
    assert Article.objects.get(pk=article.pk).headline != "The writer's new headline"

    workflow.submit_changes(article, writer, "Ready when you are")
    assert PendingChanges.objects.get(article=article).in_review
    # Waiting for review, the writer may not change it further.
    with pytest.raises(workflow.NotAllowed):
        _edit(article, writer, headline="Sneaked in")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reviewers_hear_of_submitted_changes_and_writers_of_the_outcome(make_article, writer, editor, emails):
    article = make_article("published", by=writer)
    _edit(article, writer, headline="The writer's new headline")
    mail.outbox.clear()
    workflow.submit_changes(article, writer, "Ready when you are")
    [waiting] = mail.outbox
    assert waiting.to == ["eddie@example.com"] and "has changes waiting for your review" in waiting.subject
    assert "Ready when you are" in waiting.body and f"/admin/articles/article/{article.pk}/change/" in waiting.body

    workflow.send_back_changes(article, editor, "Source the figure")
    assert mail.outbox[-1].to == ["wendy@example.com"] and "sent back" in mail.outbox[-1].subject
    article.refresh_from_db()
    _edit(article, writer, headline="The writer's sourced headline")
    workflow.submit_changes(article, writer)
    publish_changes(article, editor, article.version)
    assert mail.outbox[-1].to == ["wendy@example.com"] and "was published with changes" in mail.outbox[-1].subject
    assert Article.objects.get(pk=article.pk).headline == "The writer's sourced headline"
    steps = list(Transition.objects.filter(article=article).order_by("id").values_list("action", flat=True))
    assert steps[-4:] == ["submit_changes", "send_back_changes", "submit_changes", "update"]


def test_a_stale_save_over_a_draft_is_refused(make_article, editor, writer):
    article = make_article("published")
    mine = Article.objects.get(pk=article.pk)
    _edit(article, editor, headline="Saved first")
    mine.headline = "Saved second"
    with pytest.raises(EditConflict) as conflict:
        save_article(mine, editor, 1)
    assert [r.version for r in conflict.value.newer] == [2]
    assert PendingChanges.objects.get(article=article).revision.snapshot["headline"] == "Saved first"
    with pytest.raises(EditConflict):
        publish_changes(article, editor, 1)  # not the draft this editor saw


def test_discarding_changes(make_article, writer, other_writer, editor):
    article = make_article("published", by=writer)
    _edit(article, writer, headline="Half finished")
    with pytest.raises(workflow.NotAllowed):
        discard_changes(article, other_writer, 2)  # not theirs
    with pytest.raises(EditConflict):
        discard_changes(article, editor, 1)
    discard_changes(article, editor, 2, "Not needed")
    assert not PendingChanges.objects.filter(article=article).exists()
    assert Revision.objects.filter(article=article, version=2).exists()  # kept in the history
    assert Transition.objects.filter(article=article).first().action == "discard_changes"
    # The writer's form still holds version 2: saving it is refused, not a resurrection.
    with pytest.raises(EditConflict):
        save_article(Article.objects.get(pk=article.pk), writer, 2)
    with pytest.raises(workflow.IllegalTransition):
        discard_changes(article, editor, 1)
    # A new draft gets a number no revision has.
    assert _edit(Article.objects.get(pk=article.pk), writer, headline="Fresh start").version == 3


def test_restoring_a_revision_of_a_live_story_makes_it_the_draft(make_article, editor):
    article = make_article("published")
    first_headline = article.headline
    _edit(article, editor, headline="Second headline")
    publish_changes(article, editor, 2)
    article.refresh_from_db()
    restored = restore_revision(Revision.objects.get(article=article, version=1), editor, 2)
    assert Article.objects.get(pk=article.pk).headline == "Second headline"  # readers: unchanged
    assert PendingChanges.objects.get(article=article).revision == restored
    assert restored.snapshot["headline"] == first_headline


# -- the admin ---------------------------------------------------------------------------------------

PUBLISH = {"_publish_changes": "Save and publish changes"}


def _draft_form(article, **overrides):
    """The change form as posted after loading a pending draft: its bylines as new rows."""
    data = form_data(article)
    pending = PendingChanges.objects.filter(article=article).first()
    if pending:
        draft = pending.revision.snapshot
        data |= {field: draft[field] for field in ("headline", "slug", "standfirst", "body")}
        data["tags"] = [str(tag["id"]) for tag in draft["tags"]]
        authors = draft["authors"]
        data = {k: v for k, v in data.items() if not k.startswith("bylines-")}
        data |= {"bylines-TOTAL_FORMS": len(authors), "bylines-INITIAL_FORMS": 0}
        data |= {"bylines-MIN_NUM_FORMS": 0, "bylines-MAX_NUM_FORMS": 1000, "loaded_version": pending.revision.version}
        for i, author in enumerate(authors):
            data |= {f"bylines-{i}-author": author["id"], f"bylines-{i}-position": i}
    return data | overrides


def test_the_change_form_continues_the_draft_and_shows_what_changes(editor_client, make_article, editor, client):
    article = make_article("published")
    response = editor_client.post(CHANGE.format(article.pk), form_data(article, headline="The draft headline"))
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).headline != "The draft headline"
    page = text(editor_client.get(CHANGE.format(article.pk)))
    assert 'value="The draft headline"' in page
    assert "Changes not yet published" in page
    assert re.search(r"Live version is v1, saved by [\w-]+ at", page)
    assert "<ins>draft</ins>" in page and "<del>" in page
    assert "Publish changes" in page and "Discard changes" in page

    # Saving again continues from the draft; the bylines shown are the draft's, kept as they are.
    response = editor_client.post(CHANGE.format(article.pk), _draft_form(article, standfirst="A new summary."))
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", text(response))
    draft = PendingChanges.objects.get(article=article).revision
    assert (draft.version, draft.snapshot["headline"], draft.snapshot["standfirst"]) == (
        3,
        "The draft headline",
        "A new summary.",
    )
    assert [a["name"] for a in draft.snapshot["authors"]] == ["Wendy-Writer"]

    # Published from the form: readers see it, with the bylines intact.
    response = editor_client.post(CHANGE.format(article.pk), _draft_form(article) | PUBLISH)
    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.standfirst) == ("The draft headline", "A new summary.")
    assert list(stored.bylines.values_list("author__name", flat=True)) == ["Wendy-Writer"]
    assert client.get(stored.get_absolute_url()).status_code == 200


def test_a_writer_cannot_publish_changes(client, make_article, writer):
    article = make_article("published", by=writer)
    client.force_login(writer)
    page = text(client.get(CHANGE.format(article.pk)))
    assert "Save and submit changes for review" in page and "Save and publish changes" not in page
    response = client.post(CHANGE.format(article.pk), form_data(article, headline="Writer's edit") | PUBLISH)
    assert response.status_code == 200 and "Nothing was saved: Your role may not update articles." in text(response)
    response = client.post(CHANGE.format(article.pk), form_data(article, headline="Writer's edit"))
    assert response.status_code == 302
    url = f"/admin/articles/article/{article.pk}/changes/publish_changes/"
    response = client.post(url, {"version": 2, "comment": "Let me"})
    assert response.status_code == 400 and "Your role may not update articles." in text(response)
    assert Article.objects.get(pk=article.pk).headline != "Writer's edit"
    response = client.post(f"/admin/articles/article/{article.pk}/changes/submit_changes/", {"version": 2})
    assert response.status_code == 302
    assert PendingChanges.objects.get(article=article).in_review


@pytest.mark.parametrize(
    "step, data, status",
    [
        ("publish_changes", {"version": "x"}, 400),
        ("publish_changes", {"version": "99999999999"}, 400),
        ("publish_changes", {"version": "1"}, 400),  # not the pending draft's version
        ("discard_changes", {}, 400),
        ("no_such_step", {"version": "2"}, 404),
    ],
)
def test_bad_change_steps_are_refused_never_a_500(editor_client, make_article, editor, step, data, status):
    article = make_article("published")
    _edit(article, editor, headline="Pending")
    response = editor_client.post(f"/admin/articles/article/{article.pk}/changes/{step}/", data)
    assert response.status_code == status
    assert PendingChanges.objects.filter(article=article).exists()
    assert Article.objects.get(pk=article.pk).headline != "Pending"


def test_discarding_someone_elses_changes_without_permission_is_refused(client, make_article, writer, other_writer):
    article = make_article("published", by=writer)
    _edit(article, writer, headline="Mine")
    client.force_login(other_writer)
    response = client.post(f"/admin/articles/article/{article.pk}/changes/discard_changes/", {"version": 2})
    assert response.status_code in (400, 403)
    assert PendingChanges.objects.filter(article=article).exists()


def test_an_editor_discards_changes_from_the_desk(editor_client, make_article, editor):
    article = make_article("published")
    _edit(article, editor, headline="Not needed")
    url = f"/admin/articles/article/{article.pk}/changes/discard_changes/"
    assert "Discarding drops them" in text(editor_client.get(url))
    assert editor_client.post(url, {"version": 2}).status_code == 302
    assert not PendingChanges.objects.filter(article=article).exists()
    assert "Changes not yet published" not in text(editor_client.get(CHANGE.format(article.pk)))


def test_who_else_is_editing_is_shown_before_typing(editor_client, client, make_article, writer, editor):
    article = make_article("published", by=writer)
    editor_client.get(CHANGE.format(article.pk))
    client.force_login(writer)
    page = text(client.get(CHANGE.format(article.pk)))
    assert re.search(r"<strong>Eddie Editor</strong> is editing \(opened 0\xa0minutes ago\)", page)
    ping = client.post(f"/admin/articles/article/{article.pk}/presence/")
    assert ping.status_code == 200 and ping.json()["others"] == ["Eddie Editor is editing (opened 0\xa0minutes ago)"]
    assert EditingPresence.objects.filter(article=article).count() == 2
    assert client.get(f"/admin/articles/article/{article.pk}/presence/").status_code == 405


def test_the_desk_lists_changes_waiting_for_review(editor_client, make_article, writer):
    article = make_article("published", by=writer)
    live_headline = article.headline
    _edit(article, writer, headline="Please check")
    workflow.submit_changes(article, writer)
    page = text(editor_client.get("/admin/"))
    assert "Changes waiting for review" in page and live_headline in page


@pytest.mark.parametrize("count", [1, 6])
def test_the_change_form_with_pending_changes_runs_a_fixed_number_of_queries(
    editor_client, make_article, editor, count, django_assert_num_queries
):
    article = make_article("published")
    tags = [Tag.objects.create(name=f"Tag {i}", slug=f"tag-{i}") for i in range(count)]
    save_article(article, editor, 1, "Tags", save_related=lambda: article.tags.set(tags))
    ContentType.objects.get_for_model(Article)
    editor_client.get(CHANGE.format(article.pk))  # this editor already has it open: presence is one UPDATE
    # (The typed-in tags field reads the draft's tags once; the autocomplete looked them up twice.)
    with django_assert_num_queries(21):
        response = editor_client.get(CHANGE.format(article.pk))
    assert response.status_code == 200 and "Changes not yet published" in text(response)
