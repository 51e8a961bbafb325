"""The article permission policy: one answer to "may this user …" for the admin, forms, services
and the workflow."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from articles import workflow
from articles.forms import TransitionForm
from articles.models import Article
from articles.permissions import article_policy
from tests.articles.test_admin import CHANGE, form_data, text


def test_who_may_edit(make_article, writer, other_writer, editor):
    own_draft = make_article("draft", by=writer)
    assert article_policy.user_has_permission_for_instance(writer, "change", own_draft)
    assert not article_policy.user_has_permission_for_instance(other_writer, "change", own_draft)
    assert article_policy.user_has_permission_for_instance(editor, "change", own_draft)
    in_review = make_article("in_review", by=writer)
    assert not article_policy.user_has_permission_for_instance(writer, "change", in_review)
    assert article_policy.user_has_permission_for_instance(editor, "change", in_review)
    withdrawn = make_article("withdrawn")
    assert not article_policy.user_has_permission_for_instance(editor, "change", withdrawn)


def test_the_workflow_and_the_schedule_form_refuse_a_past_time_alike(make_article, editor):
    article = make_article("approved")
    past = timezone.now() - timedelta(minutes=1)
    with pytest.raises(workflow.NotReady) as refused:
        workflow.schedule(article, editor, past)
    form = TransitionForm(
        {"publish_at": timezone.localtime(past).strftime("%Y-%m-%dT%H:%M")}, action=workflow.ACTIONS["schedule"]
    )
    assert not form.is_valid()
    assert form.errors["publish_at"] == [str(refused.value)]


@pytest.fixture
def corrector(django_user_model):
    """A role that may correct a live article but not publish an update of it."""
    group = Group.objects.create(name="Corrections desk")
    codenames = ["view_article", "change_article", "edit_any_article", "correct_article"]
    group.permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    user = django_user_model.objects.create_user("corrector", is_staff=True)
    user.groups.add(group)
    return user


def test_a_save_the_service_refuses_is_a_form_error_with_the_text_kept(client, make_article, corrector, monkeypatch):
    """Publishing a live article's changes as an update is not this role's to do: pressing
    "Save and publish changes" is refused like any other form error, the admin runs its view once,
    and nothing is saved."""
    from articles.admin import ArticleAdmin

    article = make_article("published")
    runs = []
    changeform = ArticleAdmin._changeform_view
    monkeypatch.setattr(ArticleAdmin, "_changeform_view", lambda *a: runs.append(1) or changeform(*a))
    client.force_login(corrector)
    publish = {"_publish_changes": "Save and publish changes"}
    response = client.post(CHANGE.format(article.pk), form_data(article, headline="Typed by the corrector") | publish)
    page = text(response)
    assert response.status_code == 200 and runs == [1]
    assert "errornote" in page and "Nothing was saved: Your role may not update articles." in page
    assert 'value="Typed by the corrector"' in page
    assert Article.objects.get(pk=article.pk).version == article.version

    # With a correction notice the same save is theirs to publish.
    response = client.post(
        CHANGE.format(article.pk),
        form_data(article, headline="Typed by the corrector", correction_note="A fix.") | publish,
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).headline == "Typed by the corrector"
