"""Saving articles: one immutable revision per save, no lost updates, slugs and their old URLs, restore."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from articles import revisions, workflow
from articles.models import Article, PendingChanges, Revision, SlugRedirect, Tag
from articles.services import EditConflict, publish_changes, restore_revision, save_article, unique_slug
from articles.signals import article_event
from tests.articles.conftest import ON_POSTGRES_ONLY


def test_every_save_makes_an_immutable_revision(make_article, writer, tags):
    article = make_article(by=writer)
    article.headline = "Second headline"
    save_article(article, writer, 1, "Tightened the headline", save_related=lambda: article.tags.set(tags[:2]))
    history = list(Revision.objects.filter(article=article).order_by("version"))
    assert [r.version for r in history] == [1, 2]
    assert history[1].snapshot["headline"] == "Second headline"
    assert [t["name"] for t in history[1].snapshot["tags"]] == ["Tag 0", "Tag 1"]
    assert (history[1].created_by, history[1].message) == (writer, "Tightened the headline")
    with pytest.raises(ValueError, match="immutable"):
        history[0].save()


def test_a_stale_save_is_refused_and_names_who_saved_in_between(make_article, writer, editor):
    article = make_article(by=writer)
    editor.first_name, editor.last_name = "Erika", "Editor"
    editor.save()
    theirs = Article.objects.get(pk=article.pk)
    theirs.headline = "Editor's headline"
    save_article(theirs, editor, 1, "Sharper")

    article.headline = "Writer's headline"
    article.body = "<p>The writer's new paragraph.</p>"
    with pytest.raises(EditConflict) as refused:
        save_article(article, writer, 1)
    conflict = refused.value
    assert "Erika Editor" in str(conflict) and "(version 1)" in str(conflict)
    assert timezone.localtime(conflict.newer[0].created_at).strftime("%Y-%m-%d %H:%M") in str(conflict)
    assert [(c.label, c.old, c.new) for c in conflict.changes()] == [
        ("Headline", history_headline(article), "Editor's headline")
    ]
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.version) == ("Editor's headline", 2)
    assert Revision.objects.filter(article=article).count() == 2
    assert article.body == "<p>The writer's new paragraph.</p>"  # the caller still has the text


def history_headline(article):
    return Revision.objects.get(article=article, version=1).snapshot["headline"]


def test_saving_against_the_current_version_after_a_conflict_succeeds(make_article, writer, editor):
    article = make_article(by=writer)
    save_article(Article.objects.get(pk=article.pk), editor, 1)
    article.headline = "Mine after all"
    save_article(article, writer, 2, "Overwrote after reviewing")
    assert Article.objects.get(pk=article.pk).headline == "Mine after all"
    assert article.version == 3


def test_writers_cannot_save_other_peoples_or_submitted_articles(make_article, writer, other_writer):
    article = make_article(by=other_writer)
    with pytest.raises(workflow.NotAllowed):
        save_article(article, writer, 1)
    submitted = make_article("in_review", by=writer)
    with pytest.raises(workflow.NotAllowed):
        save_article(submitted, writer, submitted.version)


def test_slug_comes_from_the_headline_and_is_unique(make_article, writer):
    first = make_article(headline="Toyota brings the Tundra to Japan!")
    second = make_article(headline="Toyota brings the Tundra to Japan?")
    assert first.slug == "toyota-brings-the-tundra-to-japan"
    assert second.slug == "toyota-brings-the-tundra-to-japan-2"
    assert unique_slug("") == "article"


def test_changing_a_published_slug_keeps_the_old_url(make_article, editor):
    article = make_article("published")
    old = article.slug
    article.slug = "a-better-address"
    save_article(article, editor, article.version)
    assert not SlugRedirect.objects.exists()  # a draft: readers still use the old address
    publish_changes(article, editor, article.version)
    assert SlugRedirect.objects.get(old_slug=old).article == article
    assert unique_slug(old) != old  # nobody else can take the old address
    article.slug = old
    save_article(article, editor, article.version)
    publish_changes(article, editor, article.version)  # moving back: no redirect loop
    assert not SlugRedirect.objects.filter(old_slug=old).exists()
    assert SlugRedirect.objects.filter(old_slug="a-better-address", article=article).exists()


def test_changing_a_draft_slug_needs_no_redirect(make_article, writer):
    article = make_article(by=writer)
    article.slug = "new-draft-slug"
    save_article(article, writer, 1)
    assert not SlugRedirect.objects.exists()


def test_restore_makes_a_new_revision_and_keeps_history(make_article, writer, tags):
    article = make_article(by=writer, headline="Original")
    save_article(article, writer, 1, save_related=lambda: article.tags.set(tags[:1]))
    article.headline, article.body = "Changed", "<p>Changed body</p>"
    save_article(article, writer, 2, save_related=lambda: article.tags.set(tags[2:4]))
    old = Revision.objects.get(article=article, version=2)
    restored = restore_revision(old, writer, expected_version=3)
    article.refresh_from_db()
    assert (restored.version, article.headline, list(article.tags.values_list("name", flat=True))) == (
        4,
        "Original",
        ["Tag 0"],
    )
    assert restored.message == "Restored version 2"
    assert list(Revision.objects.filter(article=article).values_list("version", flat=True)) == [4, 3, 2, 1]
    with pytest.raises(EditConflict):
        restore_revision(old, writer, expected_version=3)


def test_diff_is_readable_and_escaped():
    old = {"headline": "Camry <b>returns</b>", "body": "<p>One two three.</p><p>Four.</p>", "tags": []}
    new = {
        "headline": "Camry <b>is back</b>",
        "body": "<p>One 2 three.</p><p>Four.</p>",
        "tags": [{"id": 1, "name": "Toyota"}],
    }
    changes = {c.field: c for c in revisions.diff(old, new)}
    assert set(changes) == {"headline", "body", "tags"}
    assert "&lt;b&gt;" in changes["headline"].html and "<b>" not in changes["headline"].html
    assert "<del>two</del><ins>2</ins>" in changes["body"].html
    assert changes["tags"].new == "Toyota"


def test_a_body_diff_reads_paragraphs_as_the_page_shows_them():
    """The body compares as text (``html_to_text``): paragraphs a blank line apart, a source line
    wrap no change at all."""
    old = {"body": "<p>One two\nthree.</p><p>Four &amp; five.</p>"}
    new = {"body": "<p>One two three.</p>\n<p>Four &amp; six.</p>"}
    [change] = revisions.diff(old, new)
    assert (change.old, change.new) == ("One two three.\n\nFour & five.", "One two three.\n\nFour & six.")
    assert change.html == "One two three.<br><br>Four &amp; <del>five.</del><ins>six.</ins>"


def test_publishing_a_live_articles_changes_tells_readers(make_article, editor, django_capture_on_commit_callbacks):
    """Saving a live article tells nobody; publishing its changes does, as an update or, with a
    notice, a correction."""
    events = []
    article = make_article("published")

    def listener(sender, article, event, **kwargs):
        events.append(event)

    article_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            article.body = "<p>New figures.</p>"
            save_article(article, editor, article.version, "New figures")
            assert events == []
            publish_changes(article, editor, article.version)
            article.body = "<p>Right figures.</p>"
            save_article(article, editor, article.version)
            publish_changes(article, editor, article.version, correction="We gave the wrong horsepower.")
    finally:
        article_event.disconnect(listener)
    assert events == ["updated", "corrected"]
    assert Article.objects.get(pk=article.pk).body == "<p>Right figures.</p>"
    assert article.corrections.get().text == "We gave the wrong horsepower."


def test_a_live_article_cannot_lose_its_lead_image(make_article, editor):
    """The draft may lack it while it is worked on; publishing it is refused."""
    article = make_article("published")
    article.lead_image = None
    save_article(article, editor, article.version)
    with pytest.raises(workflow.NotReady, match="Lead image"):
        publish_changes(article, editor, article.version)
    assert Article.objects.get(pk=article.pk).lead_image_id is not None
    assert PendingChanges.objects.filter(article=article).exists()


@pytest.mark.postgres
@ON_POSTGRES_ONLY
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_saves_one_wins_the_other_conflicts(writer, editor, section):
    article = Article(headline="Shared story", body="<p>Start</p>", section=section)
    save_article(article, editor, message="v1")
    Tag.objects.create(name="unused", slug="unused")
    barrier = threading.Barrier(2)
    outcomes = {}

    def save_as(user, headline):
        try:
            mine = Article.objects.get(pk=article.pk)
            mine.headline = headline
            barrier.wait(timeout=10)
            save_article(mine, user, 1, message=headline)
            outcomes[headline] = "saved"
        except EditConflict as conflict:
            outcomes[headline] = conflict
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save_as, args=(editor, "Editor's headline")),
        threading.Thread(target=save_as, args=(editor, "Second editor's headline")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    results = list(outcomes.values())
    assert results.count("saved") == 1
    [conflict] = [r for r in results if isinstance(r, EditConflict)]
    [winner] = [h for h, r in outcomes.items() if r == "saved"]
    stored = Article.objects.get(pk=article.pk)
    assert (stored.headline, stored.version) == (winner, 2)
    assert list(Revision.objects.filter(article=article).values_list("version", flat=True)) == [2, 1]
    assert conflict.newer[0].snapshot["headline"] == winner


def test_permission_is_judged_on_the_stored_status_not_a_stale_copy(make_article, writer):
    article = make_article(by=writer)
    stale = Article.objects.get(pk=article.pk)
    workflow.submit(article, writer)
    stale.headline = "Sneaked in after submitting"
    with pytest.raises(workflow.NotAllowed):
        save_article(stale, writer, stale.version)
    assert Article.objects.get(pk=article.pk).headline != "Sneaked in after submitting"


@pytest.mark.parametrize("field, value, missing", [("body", "", "Body text"), ("section", None, "Section")])
def test_a_scheduled_article_cannot_be_saved_incomplete(make_article, editor, field, value, missing):
    """Not live yet, but it goes live at its minute: emptied now, readers would get it empty."""
    article = make_article("scheduled")
    before = (article.body, article.section_id)
    setattr(article, field, value)
    with pytest.raises(workflow.NotReady, match=f"scheduled to go live, so it must stay complete. Missing: {missing}"):
        save_article(article, editor, article.version)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.version, (stored.body, stored.section_id)) == (1, before)
    assert Revision.objects.filter(article=article).count() == 1


def test_restoring_an_incomplete_revision_of_a_scheduled_article_is_refused(make_article, writer, editor):
    article = make_article()
    article.body = ""
    save_article(article, writer, 1, "Started over")  # a draft may be incomplete
    article.body = "<p>The finished text.</p>"
    save_article(article, writer, 2, "Finished")
    workflow.submit(article, writer)
    workflow.approve(article, editor)
    workflow.schedule(article, editor, timezone.now() + timedelta(hours=1))
    with pytest.raises(workflow.NotReady, match="Body text"):
        restore_revision(Revision.objects.get(article=article, version=2), editor, 3)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.version, stored.body) == (3, "<p>The finished text.</p>")


def test_an_article_withdrawn_before_its_go_live_was_never_public_even_after_that_minute(
    make_article, editor, monkeypatch
):
    """The planned minute of a called-off schedule is not a publication: once it has passed, a new
    slug leaves no redirect and a later publication dates from its own time."""
    article = make_article("approved")
    planned = timezone.now() + timedelta(hours=1)
    workflow.schedule(article, editor, planned)
    workflow.withdraw(article, editor, "Pulled before launch.")
    workflow.redraft(article, editor)
    later = planned + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    article.refresh_from_db()
    assert not article.was_public()

    old = article.slug
    article.slug = "a-later-address"
    save_article(article, editor, article.version)
    assert not SlugRedirect.objects.filter(old_slug=old).exists()

    Article.objects.filter(pk=article.pk).update(status="approved")
    workflow.publish(article, editor)
    article.refresh_from_db()
    assert article.first_published == later and article.was_public()
