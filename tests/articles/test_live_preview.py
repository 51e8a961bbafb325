"""The change form's side-by-side preview: the form as it stands, posted to the preview URL,
comes back as the page readers would see; nothing is saved, and only those who may edit the
article get it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from articles.models import Article, Author, Correction, Revision, Tag, Transition
from tests.articles.test_admin import form_data, text

ADD_PREVIEW = "/admin/articles/article/live-preview/"
CHANGE_PREVIEW = "/admin/articles/article/{}/live-preview/"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


def stored_state():
    """Everything a save would write: no preview may change any of it."""
    return (
        Article.objects.count(),
        Revision.objects.count(),
        Transition.objects.count(),
        Correction.objects.count(),
        Tag.objects.count(),
        list(Article.objects.order_by("pk").values_list("headline", "body", "version", "status")),
    )


def new_article_data(section, **overrides):
    data = {
        "headline": "Toyota brings the Camry back to Japan",
        "slug": "",
        "standfirst": "Built in Kentucky, sold in Tokyo.",
        "body": "<p>The sedan returns after three years away.</p>",
        "section": section.pk,
        "lead_image": "",
        "revision_message": "",
        "loaded_status": "",
        "bylines-TOTAL_FORMS": 0,
        "bylines-INITIAL_FORMS": 0,
        "bylines-MIN_NUM_FORMS": 0,
        "bylines-MAX_NUM_FORMS": 1000,
        "article_vehicles-TOTAL_FORMS": 0,
        "article_vehicles-INITIAL_FORMS": 0,
        "article_vehicles-MIN_NUM_FORMS": 0,
        "article_vehicles-MAX_NUM_FORMS": 1000,
    }
    return data | overrides


@pytest.fixture
def camry(db):
    from vehicles.models import Make, ModelYear, Powertrain, VehicleModel

    velo = Make.objects.create(name="Velo", slug="velo-preview")
    model = VehicleModel.objects.create(
        make=velo, name="Aero", slug="aero", vehicle_type="passenger_car", body_class="Sedan"
    )
    hybrid = Powertrain.objects.create(
        vehicle_model=model, name="2.5 L hybrid", engine_type="hybrid", fuel_type="gasoline", power_kw=168
    )
    year = ModelYear.objects.create(vehicle_model=model, year=2026, powertrain=hybrid)
    return model, year


def test_an_editor_sees_the_unsaved_changes_of_an_existing_article_and_nothing_is_saved(
    editor_client, make_article, tags, camry
):
    article = make_article(headline="Camry stays in America", body="<p>Stored body.</p>")
    before = stored_state()
    model, year = camry
    data = form_data(
        article,
        headline="Camry goes back to Japan",
        body="<p>Typed, <strong>not saved</strong>.</p>",
        tags=f"{tags[1].name}, {tags[3].name}",
        **{
            "article_vehicles-TOTAL_FORMS": 1,
            "article_vehicles-0-vehicle_model": model.pk,
            "article_vehicles-0-model_year": year.pk,
            "article_vehicles-0-position": 0,
        },
    )
    response = editor_client.post(CHANGE_PREVIEW.format(article.pk), data)

    page = text(response)
    assert response.status_code == 200, page
    assert '<h1 class="story-headline">Camry goes back to Japan</h1>' in page
    assert "Typed, <strong>not saved</strong>." in page and "Stored body." not in page
    assert "Tag 1" in page and "Tag 3" in page and "Tag 0" not in page
    assert "Vehicles in this story" in page and "Velo Aero" in page and "2.5 L hybrid" in page
    assert stored_state() == before
    # Shown in the change form's frame, and nowhere else; kept by no cache.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_tag_typed_in_is_shown_before_the_save_makes_it(editor_client, make_article, tags):
    """A new tag exists only once the article is saved; the preview links it where the save will."""
    article = make_article()
    before = stored_state()
    response = editor_client.post(
        CHANGE_PREVIEW.format(article.pk), form_data(article, tags=f"{tags[0].name}, Hydrogen trucks")
    )
    page = text(response)
    assert response.status_code == 200, page
    assert '<a href="/tag/hydrogen-trucks/">Hydrogen trucks</a>' in page
    assert stored_state() == before and not Tag.objects.filter(name="Hydrogen trucks").exists()


def test_the_change_form_itself_may_still_not_be_framed(editor_client, make_article):
    response = editor_client.get(f"/admin/articles/article/{make_article().pk}/change/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_new_article_is_previewed_before_its_first_save(editor_client, section, image, tags, camry, editor):
    before = stored_state()
    author = Author.objects.create(name="Erika Mustermann", slug="erika")
    model, _year = camry
    data = new_article_data(
        section,
        lead_image=image.pk,
        tags=tags[2].name,
        **{
            "bylines-TOTAL_FORMS": 1,
            "bylines-0-author": author.pk,
            "bylines-0-position": 0,
            "article_vehicles-TOTAL_FORMS": 2,
            "article_vehicles-0-vehicle_model": model.pk,
            "article_vehicles-0-position": 0,
            # An empty extra row, as the admin's "Add another" leaves it: ignored.
            "article_vehicles-1-vehicle_model": "",
            "article_vehicles-1-position": 0,
        },
    )
    response = editor_client.post(ADD_PREVIEW, data)

    page = text(response)
    assert response.status_code == 200, page
    assert "Toyota brings the Camry back to Japan" in page and "The sedan returns" in page
    assert "Erika Mustermann" in page and "Tag 2" in page and "Velo Aero" in page
    assert image.alt_text in page
    # The address saving would give it, in the canonical link and the structured data.
    assert "/news/toyota-brings-the-camry-back-to-japan/" in page or "toyota-brings-the-camry-back-to-japan" in page
    assert stored_state() == before


def test_a_correction_notice_being_typed_shows_under_the_live_article(editor_client, make_article):
    article = make_article("published")
    before = stored_state()
    data = form_data(article, correction_note="The plant is in Georgetown, not Lexington.")
    response = editor_client.post(CHANGE_PREVIEW.format(article.pk), data)
    assert response.status_code == 200, text(response)
    assert "The plant is in Georgetown, not Lexington." in text(response)
    assert stored_state() == before


def test_a_stale_form_is_still_previewed_and_its_save_still_refused(editor_client, make_article, writer):
    """Whether a save would be refused now (someone saved meanwhile) is the save's question; the
    preview shows what this editor's form holds."""
    from articles.services import save_article

    article = make_article()
    data = form_data(article, headline="My version")
    article.headline = "Their version"
    save_article(article, writer, article.version, "meanwhile")
    preview = editor_client.post(CHANGE_PREVIEW.format(article.pk), data)
    assert preview.status_code == 200 and "My version" in text(preview)
    save = editor_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert save.status_code == 200 and "Someone else saved this article" in text(save)
    assert Article.objects.get(pk=article.pk).headline == "Their version"


def test_signed_out_users_are_sent_to_sign_in(client, make_article, section):
    article = make_article()
    for url, data in (
        (CHANGE_PREVIEW.format(article.pk), form_data(article)),
        (ADD_PREVIEW, new_article_data(section)),
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_only_those_who_may_edit_the_article_get_its_preview(
    writer_client, make_article, other_writer, writer, section
):
    own = make_article(by=writer, body="<p>Mine.</p>")
    assert writer_client.post(CHANGE_PREVIEW.format(own.pk), form_data(own)).status_code == 200
    # A colleague's draft: the policy says no.
    theirs = make_article(by=other_writer, body="<p>Their secret draft.</p>")
    response = writer_client.post(CHANGE_PREVIEW.format(theirs.pk), form_data(theirs))
    assert response.status_code == 403 and "Their secret draft" not in text(response)
    # Their own live story: writers draft changes over it for an editor to publish, so they preview them.
    live = make_article("published", by=writer)
    assert writer_client.post(CHANGE_PREVIEW.format(live.pk), form_data(live)).status_code == 200
    # Writers may add articles, so they may preview a new one.
    assert writer_client.post(ADD_PREVIEW, new_article_data(section)).status_code == 200


def test_staff_without_an_article_role_get_403(client, make_article, section):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("staff-only", password="x", is_staff=True)
    client.force_login(nobody)
    article = make_article()
    assert client.post(CHANGE_PREVIEW.format(article.pk), form_data(article)).status_code == 403
    assert client.post(ADD_PREVIEW, new_article_data(section)).status_code == 403


def test_the_preview_is_csrf_protected(editor, section):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    before = stored_state()
    assert client.post(ADD_PREVIEW, new_article_data(section)).status_code == 403
    assert stored_state() == before


def test_only_posts_are_previewed(editor_client, make_article):
    article = make_article()
    assert editor_client.get(CHANGE_PREVIEW.format(article.pk)).status_code == 405
    assert editor_client.post(CHANGE_PREVIEW.format(987654), form_data(article)).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"headline": ""}, "headline", "This field is required."),
        ({"headline": "x" * 400}, "headline", "at most"),
        ({"tags": ", ".join(f"Tag number {n}" for n in range(31))}, "tags", "At most 30 tags."),
        ({"tags": "x" * 101}, "tags", "A tag has at most 100 characters"),
        ({"section": "nonsense"}, "section", "Select a valid choice"),
        ({"lead_image": "-1"}, "lead_image", "Select a valid choice"),
        ({"slug": "no spaces allowed"}, "slug", "valid"),
        ({"bylines-TOTAL_FORMS": "x"}, "bylines", "ManagementForm data is missing or has been tampered with"),
        ({"bylines-TOTAL_FORMS": 1, "bylines-0-author": "999999"}, "bylines-0-author", "Select a valid choice"),
    ],
)
def test_bad_input_gets_the_forms_errors_not_a_page(editor_client, make_article, overrides, field, message):
    article = make_article()
    before = stored_state()
    response = editor_client.post(CHANGE_PREVIEW.format(article.pk), form_data(article) | overrides)
    assert response.status_code == 400
    errors = {error["field"]: error for error in response.json()["errors"]}
    assert field in errors, errors
    assert message in " ".join(errors[field]["messages"])
    assert errors[field]["label"]  # what the editor reads before the message
    assert stored_state() == before


def test_a_slug_another_article_uses_is_an_error(editor_client, make_article):
    taken = make_article()
    article = make_article()
    response = editor_client.post(CHANGE_PREVIEW.format(article.pk), form_data(article, slug=taken.slug))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "slug"


def test_script_in_the_body_is_cleaned_as_a_save_would(editor_client, make_article):
    article = make_article()
    body = '<p onclick="steal()">Hi<script>alert(1)</script><img src=x onerror="steal()"></p>'
    response = editor_client.post(CHANGE_PREVIEW.format(article.pk), form_data(article, body=body))
    page = text(response)
    assert response.status_code == 200
    assert "alert(1)" not in page and "steal()" not in page and "Hi" in page


@pytest.mark.parametrize("tag_count", [1, 5])
def test_the_preview_runs_a_fixed_number_of_queries(
    editor_client, make_article, tags, camry, tag_count, django_assert_num_queries
):
    """As many as the admin's own save of the same form asks to validate it (each chosen row is
    looked up, as a save would), plus the article page's own: tags and the vehicle's make and
    model year come from the form, not a query each."""
    article = make_article()
    model, year = camry
    data = form_data(
        article,
        tags=", ".join(tag.name for tag in tags[:tag_count]),
        **{
            "article_vehicles-TOTAL_FORMS": 1,
            "article_vehicles-0-vehicle_model": model.pk,
            "article_vehicles-0-model_year": year.pk,
            "article_vehicles-0-position": 0,
        },
    )
    ContentType.objects.get_for_model(Article)
    with django_assert_num_queries(35):
        response = editor_client.post(CHANGE_PREVIEW.format(article.pk), data)
    assert response.status_code == 200
