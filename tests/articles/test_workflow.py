"""The editorial workflow: who may take which step from which state, and what each step leaves behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Article, Correction, Status, Transition
from articles.signals import article_event

ALL_STATUSES = [s.value for s in Status]
# action -> the statuses it starts from (the spec's table).
LEGAL = {
    "submit": {"draft"},
    "approve": {"in_review"},
    "send_back": {"in_review"},
    "schedule": {"approved"},
    "publish": {"approved"},
    "unschedule": {"scheduled"},
    "update": {"published"},
    "correct": {"published"},
    "withdraw": {"published", "scheduled"},
    "redraft": {"withdrawn"},
}
TARGET = {
    "submit": "in_review",
    "approve": "approved",
    "send_back": "draft",
    "schedule": "scheduled",
    "publish": "published",
    "unschedule": "approved",
    "update": "published",
    "correct": "published",
    "withdraw": "withdrawn",
    "redraft": "draft",
}
WRITER_MAY = {"submit"}


def _kwargs(action):
    return {
        "comment": "A reason." if action == "correct" else "",
        "publish_at": timezone.now() + timedelta(hours=3) if action == "schedule" else None,
        "public_reason": "A reason." if action == "withdraw" else "",
    }


@pytest.fixture
def events():
    received = []

    def listener(sender, article, event, **kwargs):
        received.append((article.pk, event))

    article_event.connect(listener)
    yield received
    article_event.disconnect(listener)


@pytest.mark.parametrize("action", list(LEGAL))
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_editor_can_take_exactly_the_legal_steps(make_article, editor, action, status, events):
    article = make_article(status)
    before = (Article.objects.values().get(pk=article.pk), Transition.objects.count())
    if status in LEGAL[action]:
        workflow.perform(action, article, editor, **_kwargs(action))
        article.refresh_from_db()
        assert article.status == TARGET[action]
        last = Transition.objects.filter(article=article).first()
        assert (last.action, last.from_status, last.to_status, last.user) == (action, status, TARGET[action], editor)
    else:
        with pytest.raises(workflow.IllegalTransition):
            workflow.perform(action, article, editor, **_kwargs(action))
        assert (Article.objects.values().get(pk=article.pk), Transition.objects.count()) == before


@pytest.mark.parametrize("action", list(LEGAL))
def test_writer_may_only_submit(make_article, writer, action):
    status = next(iter(LEGAL[action]))
    article = make_article(status, by=writer)
    before = Article.objects.values().get(pk=article.pk)
    if action in WRITER_MAY:
        workflow.perform(action, article, writer, **_kwargs(action))
        assert Article.objects.get(pk=article.pk).status == TARGET[action]
    else:
        with pytest.raises(workflow.NotAllowed, match="Your role may not"):
            workflow.perform(action, article, writer, **_kwargs(action))
        assert Article.objects.values().get(pk=article.pk) == before


def test_writer_cannot_submit_someone_elses_draft(make_article, writer, other_writer):
    article = make_article("draft", by=other_writer)
    with pytest.raises(workflow.NotAllowed, match="your own drafts"):
        workflow.submit(article, writer)
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


@pytest.mark.parametrize("user_fixture", ["editor", "site_admin"])
def test_editors_and_admins_take_a_story_all_the_way(make_article, writer, request, user_fixture, events):
    boss = request.getfixturevalue(user_fixture)
    article = make_article("draft", by=writer)
    workflow.submit(article, writer, comment="Ready")
    workflow.send_back(article, boss, comment="Needs a source")
    workflow.submit(article, writer)
    workflow.approve(article, boss)
    workflow.publish(article, boss)
    workflow.update(article, boss, comment="New figures")
    workflow.correct(article, boss, "The Camry left Japan in 2023, not 2022.")
    workflow.withdraw(article, boss, "Legal")
    workflow.redraft(article, boss)
    assert list(Transition.objects.filter(article=article).order_by("id").values_list("action", flat=True)) == [
        "submit",
        "send_back",
        "submit",
        "approve",
        "publish",
        "update",
        "correct",
        "withdraw",
        "redraft",
    ]
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_events_are_sent_after_commit_only(make_article, editor, events, django_capture_on_commit_callbacks):
    article = make_article("approved")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.publish(article, editor)
    assert events == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert events == [(article.pk, "published")]


def test_each_step_sends_its_event(make_article, editor, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = make_article("scheduled", editor=editor)
        article = make_article("published", editor=editor)
        workflow.update(article, editor)
        workflow.correct(article, editor, "Fixed the plant's city.")
        workflow.withdraw(article, editor, "Duplicate")
    assert [e for pk, e in events if pk == scheduled.pk] == ["scheduled"]
    assert [e for pk, e in events if pk == article.pk] == ["published", "updated", "corrected", "withdrawn"]


def test_refused_step_sends_nothing(make_article, writer, events, django_capture_on_commit_callbacks):
    article = make_article("approved")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(workflow.NotAllowed):
        workflow.publish(article, writer)
    assert events == []


def test_publish_checklist_blocks_and_lists_what_is_missing(make_article, editor, image):
    article = make_article("approved", section=None, lead_image=None, body="<p> </p>")
    with pytest.raises(workflow.NotReady) as refused:
        workflow.publish(article, editor)
    assert refused.value.missing == ["Body text", "Section", "Lead image"]
    assert "Missing: Body text; Section; Lead image." in str(refused.value)
    assert Article.objects.get(pk=article.pk).status == Status.APPROVED


@pytest.mark.parametrize("body", ["<p>&nbsp;</p>", "<p>&#160;<br>&nbsp;</p>"])
def test_a_body_readers_would_see_as_blank_is_missing_body_text(make_article, editor, body):
    """The checklist reads the body as the site's one HTML-to-text conversion does: a no-break
    space is not text (it used to count, because the tags were stripped but the entity kept)."""
    article = make_article("approved", body=body)
    with pytest.raises(workflow.NotReady) as refused:
        workflow.publish(article, editor)
    assert refused.value.missing == ["Body text"]


def test_lead_image_needs_alt_text_or_to_be_decorative(make_article, editor, image):
    image.alt_text = ""
    image.save()
    article = make_article("approved")
    with pytest.raises(workflow.NotReady, match="Alt text"):
        workflow.publish(article, editor)
    image.is_decorative = True
    image.save()
    workflow.publish(article, editor)
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_scheduling_in_the_past_is_refused(make_article, editor):
    article = make_article("approved")
    with pytest.raises(workflow.NotReady, match="future"):
        workflow.schedule(article, editor, timezone.now() - timedelta(minutes=1))
    assert Article.objects.get(pk=article.pk).status == Status.APPROVED


def test_scheduled_article_goes_live_at_its_minute_without_a_worker(make_article, editor):
    go_live = timezone.now() + timedelta(hours=1)
    article = make_article("approved")
    workflow.schedule(article, editor, go_live)
    assert not Article.objects.live().filter(pk=article.pk).exists()
    assert not article.is_live()
    assert not Article.objects.live(now=go_live - timedelta(seconds=1)).filter(pk=article.pk).exists()
    assert Article.objects.live(now=go_live).filter(pk=article.pk).exists()
    assert article.is_live(now=go_live)


def test_unschedule_only_before_go_live(make_article, editor):
    article = make_article("scheduled")
    workflow.unschedule(article, editor)
    article.refresh_from_db()
    assert (article.status, article.first_published_at) == (Status.APPROVED, None)
    workflow.schedule(article, editor, timezone.now() + timedelta(seconds=1))
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    article.refresh_from_db()
    with pytest.raises(workflow.IllegalTransition, match="already live"):
        workflow.unschedule(article, editor)


def test_a_scheduled_article_that_went_live_can_be_corrected(make_article, editor):
    article = make_article("scheduled")
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    article.refresh_from_db()
    workflow.correct(article, editor, "Wrong plant.")
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_correction_is_a_dated_public_notice(make_article, editor):
    article = make_article("published")
    with pytest.raises(workflow.NotReady, match="correction notice"):
        workflow.correct(article, editor, "  ")
    workflow.correct(article, editor, "The Highlander was sold as the Kluger until 2007.")
    correction = Correction.objects.get(article=article)
    assert correction.text == "The Highlander was sold as the Kluger until 2007."
    assert correction.created_by == editor
    assert Article.objects.get(pk=article.pk).last_published_at == correction.created_at


def test_withdrawn_article_is_not_live_and_needs_a_reason(make_article, editor):
    article = make_article("published")
    with pytest.raises(workflow.NotReady, match="reason"):
        workflow.withdraw(article, editor, "")
    workflow.withdraw(article, editor, "Embargo broken")
    assert not Article.objects.live().filter(pk=article.pk).exists()
    assert Article.objects.get(pk=article.pk).withdrawn_at is not None


@pytest.mark.parametrize("reason", ["", "   ", "<b></b>", "\x00\t\n", "x" * 501])
def test_a_withdrawal_without_a_usable_public_reason_is_refused_and_changes_nothing(make_article, editor, reason):
    article = make_article("published")
    with pytest.raises(workflow.NotReady, match="reason"):
        workflow.perform("withdraw", article, editor, comment="An internal note is not enough.", public_reason=reason)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.status, stored.withdrawal_reason) == (Status.PUBLISHED, "")
    assert not Transition.objects.filter(article=article, action="withdraw").exists()


def test_a_withdrawal_keeps_the_public_reason_and_the_internal_note_apart(make_article, editor):
    article = make_article("published")
    reason = ' The <a href="https://evil.example">recall</a> figures\r\nwere   wrong.\x07 '
    workflow.withdraw(article, editor, reason, note="Call from the legal desk.")
    stored = Article.objects.get(pk=article.pk)
    assert stored.withdrawal_reason == "The recall figures were wrong."  # plain text, one line
    step = Transition.objects.get(article=article, action="withdraw")
    assert (step.comment, step.public_reason) == ("Call from the legal desk.", "The recall figures were wrong.")
    # Back to draft, the reason no longer describes the article; the audit log keeps it.
    workflow.redraft(article, editor)
    assert Article.objects.get(pk=article.pk).withdrawal_reason == ""
    assert Transition.objects.get(article=article, action="withdraw").public_reason == stored.withdrawal_reason


def test_publish_sets_dates_once(make_article, editor):
    article = make_article("published")
    first = Article.objects.get(pk=article.pk).first_published_at
    workflow.withdraw(article, editor, "Oops")
    workflow.redraft(article, editor)
    workflow.submit(article, editor)
    workflow.approve(article, editor)
    workflow.publish(article, editor)
    article.refresh_from_db()
    assert article.first_published_at == first
    assert article.last_published_at > first


def test_stale_instance_cannot_move_the_article_twice(make_article, editor):
    """Two editors load an approved article; both click publish. Only one publishes."""
    article = make_article("approved")
    theirs = Article.objects.get(pk=article.pk)
    workflow.publish(article, editor)
    with pytest.raises(workflow.IllegalTransition, match="published"):
        workflow.publish(theirs, editor)
    assert Transition.objects.filter(article=article, action="publish").count() == 1


def test_unknown_action_is_a_clear_error(make_article, editor):
    with pytest.raises(workflow.IllegalTransition, match="no workflow action"):
        workflow.perform("delete", make_article(), editor)


def test_allowed_actions_follow_role_and_status(make_article, writer, editor):
    draft = make_article("draft", by=writer)
    assert [a.name for a in workflow.allowed_actions(writer, draft)] == ["submit"]
    published = make_article("published")
    assert [a.name for a in workflow.allowed_actions(editor, published)] == ["update", "correct", "withdraw"]
    assert workflow.allowed_actions(writer, published) == []
