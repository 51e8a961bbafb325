"""Crafted values in admin forms and URLs, as a logged-in writer or editor could send them: a form
error or a refusal, never a 500, and nothing saved."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from articles.models import Article, Section

pytestmark = pytest.mark.django_db

# Keys no record can have: not a number, a digit int() refuses, past the id column's range.
CRAFTED_KEYS = ["x", "²", "99999999999999999999"]


def _article_form(**overrides):
    section = Section.objects.get_or_create(slug="news", defaults={"name": "News"})[0]
    management = {
        f"{prefix}-{name}": value
        for prefix in ("bylines", "article_vehicles")
        for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000))
    }
    article = {"headline": "Crafted", "slug": "", "standfirst": "", "body": "<p>Text.</p>", "section": section.pk}
    return article | management | overrides


@pytest.mark.parametrize("key", CRAFTED_KEYS)
# Tags are typed in by name, so any text is a name: tests/articles/test_tag_input.py has theirs.
@pytest.mark.parametrize("field", ["lead_image"])
def test_a_crafted_key_in_the_article_form_is_a_form_error(client, writer, field, key):
    client.force_login(writer)
    response = client.post("/admin/articles/article/add/", _article_form(**{field: key}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {field}
    assert not Article.objects.exists()
    # The same key as the add form's initial value, from the URL.
    assert client.get(f"/admin/articles/article/add/?{field}={key}").status_code == 200


def _autocomplete_fields():
    """(admin or inline, field name) for every autocomplete field in the admin: new ones are covered
    without touching this test."""
    request = RequestFactory().get("/")
    for model_admin in admin.site._registry.values():
        inlines = [inline(model_admin.model, admin.site) for inline in model_admin.inlines]
        for owner in (model_admin, *inlines):
            for name in owner.get_autocomplete_fields(request):
                yield pytest.param(owner, name, id=f"{type(owner).__name__}.{name}")


@pytest.mark.parametrize(("owner", "name"), list(_autocomplete_fields()))
def test_every_autocomplete_field_shows_a_crafted_value_as_nothing_chosen(owner, name):
    """Django's autocomplete widget looks up the records its value names by key: a value that is no
    key failed that lookup (ValueError, or OverflowError on SQLite) instead of finding nothing."""
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True)
    db_field = owner.model._meta.get_field(name)
    form_field = owner.formfield_for_dbfield(db_field, request)
    value = CRAFTED_KEYS if db_field.many_to_many else CRAFTED_KEYS[-1]
    html = form_field.widget.render(name, value)
    assert not re.search(r"<option[^>]* selected", html), html


def _many_to_many_fields():
    """(admin or inline, field name) for every many-to-many field of this project's admin pages."""
    for model_admin in admin.site._registry.values():
        if type(model_admin).__module__.split(".")[0] not in ("articles", "vehicles", "newsroom"):
            continue  # Django's group admin: superusers only
        inlines = [inline(model_admin.model, admin.site) for inline in model_admin.inlines]
        for owner in (model_admin, *inlines):
            for field in owner.model._meta.many_to_many:
                if field.remote_field.through._meta.auto_created:  # not bylines and vehicles: inlines
                    yield pytest.param(owner, field.name, id=f"{type(owner).__name__}.{field.name}")


@pytest.mark.parametrize(("owner", "name"), list(_many_to_many_fields()))
def test_every_many_to_many_field_refuses_a_key_beyond_the_id_column(owner, name):
    """SQLite answers ``id IN (99999999999999999999)`` with OverflowError, where PostgreSQL finds nothing:
    a crafted POST of a site admin's account groups or a partner's sections was a 500 there."""
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True)
    form_field = owner.formfield_for_dbfield(owner.model._meta.get_field(name), request)
    with pytest.raises(ValidationError) as refusal:
        form_field.clean(CRAFTED_KEYS[-1:])
    assert refusal.value.code == "invalid_pk_value"


def test_a_site_admin_giving_a_group_that_cannot_exist_gets_a_form_error(client, site_admin, writer):
    client.force_login(site_admin)
    page = client.get(f"/admin/auth/user/{writer.pk}/change/")
    form = {key: value for key, value in page.context["adminform"].form.initial.items() if value is not None}
    form |= {"username": writer.username, "groups": CRAFTED_KEYS[-1:], "date_joined_0": "2026-01-01"}
    form |= {"date_joined_1": "00:00:00"}
    response = client.post(f"/admin/auth/user/{writer.pk}/change/", form)
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert [group.name for group in writer.groups.all()] == ["Writer"]


def _text_lookups():
    """(admin, a text field) for every list in the admin: new admins are covered without touching this test."""
    for model_admin in admin.site._registry.values():
        fields = [field.name for field in model_admin.model._meta.concrete_fields if field.get_internal_type() in TEXT]
        if fields:
            yield pytest.param(model_admin, fields[0], id=type(model_admin).__name__)


TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


@pytest.mark.parametrize(("model_admin", "field"), list(_text_lookups()))
@pytest.mark.parametrize("pattern", ["regex=(", "iregex=["])
def test_no_list_in_the_admin_filters_by_a_pattern_from_its_address(client, model_admin, field, pattern):
    """The admin allows any lookup on a model's own fields, and an invalid pattern failed in the
    database (a 500); a pattern is no filter an editor needs, so every list refuses it (400)."""
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    meta = model_admin.model._meta
    response = client.get(f"/admin/{meta.app_label}/{meta.model_name}/?{field}__{pattern}")
    assert response.status_code == 400
