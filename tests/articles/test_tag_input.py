"""Tags typed in on the article form, the suggestions endpoint the widget asks, and the chosen lead
image as the form shows it: through the real admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article, Revision, Tag
from articles.tag_input import MAX_TAGS, format_names, parse_names
from newsroom.core.roles import WRITER
from tests.articles.test_admin import CHANGE, form_data

SUGGEST = reverse("admin:articles_tag_suggest")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


@pytest.fixture
def no_new_tags_writer(django_user_model):
    """A writer whose role may use tags but not add them."""
    group = Group.objects.create(name="Writer without new tags")
    group.permissions.set(Group.objects.get(name=WRITER).permissions.exclude(codename="add_tag"))
    user = django_user_model.objects.create_user("nina-no-tags", is_staff=True)
    user.groups.add(group)
    return user


def test_names_are_split_on_commas_with_quotes_for_a_name_holding_one():
    assert parse_names(' Toyota ,  "Kentucky, USA",electric   cars,, toyota ,') == [
        "Toyota",
        "Kentucky, USA",
        "electric cars",
    ]
    assert format_names(["Toyota", "Kentucky, USA"]) == 'Toyota, "Kentucky, USA"'
    assert parse_names(format_names(["Toyota", "Kentucky, USA"])) == ["Toyota", "Kentucky, USA"]
    assert parse_names("") == [] and parse_names(" , ,") == []


def test_the_form_shows_the_tags_as_names(editor_client, make_article):
    article = make_article()
    article.tags.set([Tag.objects.create(name="Toyota", slug="toyota"), Tag.objects.create(name="A, B", slug="a-b")])
    html = editor_client.get(CHANGE.format(article.pk)).content.decode()
    assert 'value="&quot;A, B&quot;, Toyota"' in html
    assert f'data-tag-input="{SUGGEST}"' in html


def test_typed_tags_use_existing_ones_whatever_the_case_and_make_new_ones_on_save(editor_client, make_article):
    toyota = Tag.objects.create(name="Toyota", slug="toyota")
    Tag.objects.create(name="EV", slug="ev")
    article = make_article()
    response = editor_client.post(
        CHANGE.format(article.pk), form_data(article, tags="toyota, Electric cars, E.V., 日本, Toyota")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    names = {tag.name: tag.slug for tag in article.tags.all()}
    assert names == {"Toyota": "toyota", "Electric cars": "electric-cars", "E.V.": "ev-2", "日本": "tag"}
    assert article.tags.get(name="Toyota") == toyota
    assert Tag.objects.count() == 5
    snapshot = Revision.objects.filter(article=article).first().snapshot
    assert sorted(tag["name"] for tag in snapshot["tags"]) == sorted(names)


def test_removing_every_tag_empties_the_field(editor_client, make_article):
    article = make_article()
    article.tags.add(Tag.objects.create(name="Toyota", slug="toyota"))
    assert editor_client.post(CHANGE.format(article.pk), form_data(article, tags="  ")).status_code == 302
    assert not article.tags.exists() and Tag.objects.filter(name="Toyota").exists()


def test_a_role_that_may_not_add_tags_gets_a_form_error_naming_the_new_ones(client, no_new_tags_writer, section):
    Tag.objects.create(name="Toyota", slug="toyota")
    client.force_login(no_new_tags_writer)
    data = {
        "headline": "Camry returns",
        "slug": "",
        "standfirst": "",
        "body": "<p>Text.</p>",
        "section": section.pk,
        "tags": "Toyota, Hydrogen",
        **{
            f"{prefix}-{name}": value
            for prefix in ("bylines", "article_vehicles")
            for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 9))
        },
    }
    response = client.post("/admin/articles/article/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["tags"] and "“Hydrogen”" in errors["tags"][0] and "Toyota" not in errors["tags"][0]
    # The editor's text is kept for them to correct.
    assert 'value="Toyota, Hydrogen"' in response.content.decode()
    assert not Article.objects.exists() and not Tag.objects.filter(name="Hydrogen").exists()
    # Existing tags only: saved.
    response = client.post("/admin/articles/article/add/", data | {"tags": "toyota"})
    assert response.status_code == 302
    assert [tag.name for tag in Article.objects.get().tags.all()] == ["Toyota"]


@pytest.mark.parametrize(
    ("typed", "code_text"),
    [
        (", ".join(f"t{i}" for i in range(MAX_TAGS + 1)), f"At most {MAX_TAGS} tags"),
        ("x" * 101, "at most 100 characters"),
    ],
    ids=["too many", "too long"],
)
def test_too_many_or_too_long_tags_are_a_form_error(editor_client, make_article, typed, code_text):
    article = make_article()
    response = editor_client.post(CHANGE.format(article.pk), form_data(article, tags=typed))
    assert response.status_code == 200
    assert code_text in response.context["adminform"].form.errors["tags"][0]
    assert not Tag.objects.exists()


# -- suggestions -----------------------------------------------------------------------------------


def test_suggestions_put_names_starting_with_the_text_first(writer_client, django_assert_num_queries):
    for name in ("Hybrid cars", "Plug-in hybrid", "Hydrogen", "Toyota"):
        Tag.objects.create(name=name, slug=name.lower().replace(" ", "-"))
    with django_assert_num_queries(5):  # session, user, permissions (user's, groups'), the tags
        response = writer_client.get(SUGGEST, {"q": " hy "})
    assert response.status_code == 200
    answer = response.json()
    assert [tag["name"] for tag in answer["results"]] == ["Hybrid cars", "Hydrogen", "Plug-in hybrid"]
    assert answer["may_add"] is True
    assert writer_client.get(SUGGEST, {"q": ""}).json()["results"] == []


def test_suggestions_say_when_the_role_may_not_add_tags(client, no_new_tags_writer):
    client.force_login(no_new_tags_writer)
    assert client.get(SUGGEST, {"q": "x"}).json() == {"results": [], "may_add": False}


def test_suggestions_refuse_bad_requests_and_strangers(writer_client, client, django_user_model):
    assert writer_client.get(SUGGEST, {"q": "x" * 101}).status_code == 400
    assert writer_client.post(SUGGEST, {"q": "x"}).status_code == 405
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    client.force_login(clerk)
    assert client.get(SUGGEST, {"q": "x"}).status_code == 403
    client.logout()
    assert client.get(SUGGEST, {"q": "x"}).status_code == 302


# -- the chosen lead image -------------------------------------------------------------------------


def test_the_chosen_lead_image_shows_with_its_alt_text_and_focal_point(editor_client, make_article, image):
    image.focal_x, image.focal_y = 0.3, 0.7
    image.save()
    article = make_article()
    html = editor_client.get(CHANGE.format(article.pk)).content.decode()
    assert f"data-chosen-title>{image.title}<" in html
    assert "Alt text: A red car parked by a river." in html
    assert "left: 30.0%; top: 70.0%" in html
    assert f'name="lead_image" value="{image.pk}"' in html
    assert reverse("admin:media_image_chooser") in html

    image.alt_text = ""
    image.save()
    html = editor_client.get(CHANGE.format(article.pk)).content.decode()
    assert "Missing alt text: it cannot lead a published article" in html
    image.is_decorative = True
    image.save()
    html = editor_client.get(CHANGE.format(article.pk)).content.decode()
    assert "Decorative: screen readers skip it" in html


def test_a_lead_image_chosen_by_number_is_saved_and_a_missing_one_is_a_form_error(editor_client, make_article, image):
    article = make_article(lead_image=None)
    assert editor_client.post(CHANGE.format(article.pk), form_data(article, lead_image=image.pk)).status_code == 302
    article.refresh_from_db()
    assert article.lead_image == image
    response = editor_client.post(CHANGE.format(article.pk), form_data(article, lead_image=image.pk + 1000))
    assert response.status_code == 200 and "lead_image" in response.context["adminform"].form.errors
    assert response.context["adminform"].form.errors["lead_image"][0].startswith("Select a valid choice")
