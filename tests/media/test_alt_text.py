"""One alt-text rule: the library's filter, its "Alt text" column and the publish check agree,
and a live article's lead image cannot lose its alt text in the admin."""

import importlib
from datetime import timedelta
from itertools import count

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Status
from newsroom.media.checks import image_is_publishable
from newsroom.media.ingest import ingest_image
from newsroom.media.models import Image
from tests.media import corpus
from tests.media.test_admin import LIST_URL, change_form

_serial = count(1)


def library_image(alt_text="", is_decorative=False, title=None):
    """A library row without a real file: enough for the rule, the filter and the form."""
    n = next(_serial)
    return Image.objects.create(
        file=f"images/originals/alt-{n}.jpg",
        title=title or f"Alt test {n}",
        alt_text=alt_text,
        is_decorative=is_decorative,
        width=1200,
        height=800,
        format="JPEG",
        byte_size=1000,
        content_hash=f"alt{n:061d}",
    )


def titles_listed(client, alt):
    page = client.get(LIST_URL, {"alt": alt})
    return {image.title for image in page.context["cl"].result_list}


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_whitespace_alt_text_is_stored_empty_and_listed_as_missing_everywhere(editor_client):
    blank = library_image(alt_text="   \t ", title="Blank alt")
    written = library_image(alt_text="  A red pickup at dusk.  ", title="Written alt")
    decorative = library_image(is_decorative=True, title="Ornament")

    blank.refresh_from_db()
    written.refresh_from_db()
    assert blank.alt_text == ""
    assert written.alt_text == "A red pickup at dusk."

    assert titles_listed(editor_client, "missing") == {"Blank alt"}
    assert titles_listed(editor_client, "present") == {"Written alt"}
    assert titles_listed(editor_client, "decorative") == {"Ornament"}
    assert not image_is_publishable(blank)
    assert image_is_publishable(written) and image_is_publishable(decorative)


ALT_TEXTS = st.text(alphabet=st.sampled_from(" \t\n\u00a0aZ."), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alt_text=ALT_TEXTS, is_decorative=st.booleans())
def test_the_sql_rule_and_the_publish_check_always_agree(db, alt_text, is_decorative):
    image = library_image(alt_text=alt_text, is_decorative=is_decorative)
    try:
        in_memory = Image(alt_text=alt_text, is_decorative=is_decorative)
        needing = Image.objects.needing_alt_text().filter(pk=image.pk).exists()
        publishable = Image.objects.publishable().filter(pk=image.pk).exists()

        assert needing is (not publishable)
        assert needing is image.needs_alt_text is in_memory.needs_alt_text
        assert image_is_publishable(in_memory) is publishable
        assert needing is (not is_decorative and not alt_text.strip())
    finally:
        image.delete()


def test_rows_saved_before_the_rule_are_stripped_by_the_migration(db):
    image = library_image(alt_text="placeholder")
    Image.objects.filter(pk=image.pk).update(alt_text="  \n ")  # as stored before alt text was stripped
    other = library_image(alt_text="Kept as written")

    migration = importlib.import_module("newsroom.media.migrations.0002_strip_alt_text")
    migration.strip_alt_text(apps, None)

    assert list(Image.objects.needing_alt_text().values_list("pk", flat=True)) == [image.pk]
    other.refresh_from_db()
    assert other.alt_text == "Kept as written"


def article_leading_with(image, status, publish_at):
    return Article.objects.create(
        headline=f"Tundra review {next(_serial)}",
        slug=f"tundra-review-{next(_serial)}",
        lead_image=image,
        status=status,
        publish_at=publish_at,
    )


def post_change(client, image, **fields):
    return client.post(reverse("admin:media_image_change", args=[image.pk]), change_form(image, **fields))


@pytest.mark.parametrize("cleared", ["", "    "])
def test_clearing_the_alt_text_of_a_live_lead_image_is_a_form_error(editor_client, cleared):
    image = library_image(alt_text="A red pickup at dusk.")
    live = article_leading_with(image, Status.PUBLISHED, timezone.now() - timedelta(hours=1))

    response = post_change(editor_client, image, alt_text=cleared)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["alt_text"]
    assert errors == [
        f"This is the lead image of the live article “{live.headline}”: readers of screen readers need its "
        "alt text. Write one, or mark the image as decorative."
    ]
    image.refresh_from_db()
    assert image.alt_text == "A red pickup at dusk."


def test_a_live_lead_image_may_be_marked_decorative_instead(editor_client):
    image = library_image(alt_text="A thin rule under the headline.")
    article_leading_with(image, Status.PUBLISHED, timezone.now() - timedelta(hours=1))

    response = post_change(editor_client, image, alt_text="", is_decorative="on")

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.alt_text, image.is_decorative) == ("", True)


def test_unticking_decorative_on_a_live_lead_image_without_alt_text_is_a_form_error(editor_client):
    image = library_image(is_decorative=True)
    article_leading_with(image, Status.SCHEDULED, timezone.now() - timedelta(minutes=1))  # live: past go-live
    data = change_form(image)
    del data["is_decorative"]

    response = editor_client.post(reverse("admin:media_image_change", args=[image.pk]), data)

    assert response.status_code == 200
    assert "alt_text" in response.context["adminform"].form.errors
    image.refresh_from_db()
    assert image.is_decorative


@pytest.mark.parametrize(
    ("status", "publish_in"),
    [(Status.DRAFT, None), (Status.SCHEDULED, timedelta(hours=2)), (Status.WITHDRAWN, -timedelta(days=1))],
)
def test_alt_text_may_be_cleared_while_no_live_article_leads_with_the_image(editor_client, status, publish_in):
    image = library_image(alt_text="A red pickup at dusk.")
    article_leading_with(image, status, publish_in and timezone.now() + publish_in)

    response = post_change(editor_client, image, alt_text="")

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.needs_alt_text


def test_other_edits_to_a_live_lead_image_are_not_blocked(editor_client):
    image = ingest_image(corpus.photo_bytes(size=(300, 200)), title="Legacy, no alt text")
    article_leading_with(image, Status.PUBLISHED, timezone.now() - timedelta(hours=1))

    response = post_change(editor_client, image, caption="Now with a caption.")

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.caption == "Now with a caption."
