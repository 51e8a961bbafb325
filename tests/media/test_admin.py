"""The image library in the admin, driven through the real add, change and list pages."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image as PILImage

from articles.models import Status
from newsroom.media.ingest import ingest_image
from newsroom.media.models import Image
from tests.media import corpus
from tests.syndication.conftest import make_article

ADD_URL = reverse("admin:media_image_add")
LIST_URL = reverse("admin:media_image_changelist")


def add_form(upload, **fields):
    return {
        "upload": upload,
        "title": "",
        "alt_text": "",
        "caption": "",
        "credit": "",
        "copyright": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
        **fields,
    }


def change_form(image, **fields):
    data = {
        "title": image.title,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "copyright": image.copyright,
        "focal_x": image.focal_x,
        "focal_y": image.focal_y,
    }
    if image.is_decorative:
        data["is_decorative"] = "on"
    return {**data, **fields}


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


@pytest.mark.parametrize(
    ("file_name", "data_factory", "code"),
    [(file_name, factory, code) for _, file_name, factory, code in corpus.HOSTILE],
    ids=[case[0] for case in corpus.HOSTILE],
)
def test_hostile_upload_gets_a_form_error_and_leaves_nothing(
    writer_client, stored_files, file_name, data_factory, code
):
    response = writer_client.post(ADD_URL, add_form(SimpleUploadedFile(file_name, data_factory(), "image/jpeg")))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["upload"]
    assert errors.as_data()["upload"][0].code == code
    assert escape(errors["upload"][0]) in response.content.decode()
    assert stored_files() == []
    assert not Image.objects.exists()


def test_upload_too_large_for_the_setting_is_a_form_error(writer_client, settings, stored_files):
    settings.IMAGE_MAX_UPLOAD_BYTES = 5_000
    response = writer_client.post(ADD_URL, add_form(SimpleUploadedFile("big.jpg", corpus.photo_bytes())))

    assert "the limit is" in response.context["adminform"].form.errors["upload"][0]
    assert stored_files() == []


def test_phone_photo_upload_is_stored_upright_without_gps(writer_client, writer, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # big uploads arrive as temporary files: take that path
    upload = SimpleUploadedFile("IMG_2041.jpg", corpus.exif_gps_jpeg(orientation=6), "image/jpeg")

    response = writer_client.post(ADD_URL, add_form(upload, alt_text="Tundra at the port", credit="Staff"))

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.title, image.alt_text, image.uploaded_by) == ("IMG_2041", "Tundra at the port", writer)
    assert (image.width, image.height) == (600, 800)
    with image.file.open("rb") as handle:
        data = handle.read()
    assert not PILImage.open(io.BytesIO(data)).getexif()
    assert corpus.CAMERA_SERIAL.encode() not in data


def test_duplicate_upload_points_to_the_image_already_in_the_library(writer_client, stored_files, photo):
    existing = ingest_image(photo, title="Road at dusk")
    files = stored_files()

    response = writer_client.post(ADD_URL, add_form(SimpleUploadedFile("again.jpg", photo), title="Again"))

    error = response.context["adminform"].form.errors["upload"][0]
    assert "already in the library" in error
    assert reverse("admin:media_image_change", args=[existing.pk]) in response.content.decode()
    assert Image.objects.count() == 1 and stored_files() == files


def test_change_page_has_the_focal_point_picker_and_saves_typed_numbers(
    writer_client, photo, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    image = ingest_image(photo, title="Road", alt_text="Road")
    url = reverse("admin:media_image_change", args=[image.pk])

    writer_client.get(url)  # the first view makes the preview and crop renditions
    with django_assert_max_num_queries(12):
        page = writer_client.get(url).content.decode()
    assert "data-focal-picker" in page
    assert 'alt="16:9 crop"' in page and 'alt="1:1 crop"' in page
    assert 'class="focal-marker" style="left: 50.0%; top: 50.0%"' in page
    assert "/static/media/focal-picker.js" in page
    assert "onclick" not in page.lower()

    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(url, change_form(image, focal_x="0.2", focal_y="0.75"))

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.2, 0.75)
    # The new crops are made straight away, ready for the next reader.
    assert image.renditions.filter(spec="fill-16x9-1200", focal_key="0.200,0.750").exists()


def test_focal_point_outside_the_picture_is_a_form_error(writer_client, photo):
    image = ingest_image(photo, title="Road")
    url = reverse("admin:media_image_change", args=[image.pk])

    response = writer_client.post(url, change_form(image, focal_x="1.5", focal_y="abc"))

    errors = response.context["adminform"].form.errors
    assert set(errors) == {"focal_x", "focal_y"}
    image.refresh_from_db()
    assert image.focal_x == 0.5


@pytest.mark.parametrize("count", [3, 12])
def test_library_list_shows_thumbnails_in_a_fixed_number_of_queries(
    writer_client, django_assert_max_num_queries, count
):
    for i in range(count):
        ingest_image(corpus.photo_bytes(size=(300, 200), color=(i * 20, 10, 10)), title=f"Car {i}")
    writer_client.get(LIST_URL)  # the first view makes the thumbnails

    with django_assert_max_num_queries(12) as captured:
        response = writer_client.get(LIST_URL)

    assert response.content.decode().count('class="image-thumbnail"') == count
    assert not any("INSERT" in query["sql"] for query in captured.captured_queries)


def test_library_search_and_alt_text_filter(writer_client):
    ingest_image(corpus.photo_bytes(size=(300, 200)), title="Tundra in Texas", alt_text="A pickup")
    ingest_image(corpus.photo_bytes(size=(300, 201)), title="Camry in Kentucky")

    found = writer_client.get(LIST_URL, {"q": "tundra"}).content.decode()
    assert "Tundra in Texas" in found and "Camry in Kentucky" not in found

    missing = writer_client.get(LIST_URL, {"alt": "missing"}).content.decode()
    assert "Camry in Kentucky" in missing and "Tundra in Texas" not in missing


def test_deleting_an_image_removes_its_files(client, editor, stored_files, photo, django_capture_on_commit_callbacks):
    image = ingest_image(photo, title="Road")
    client.force_login(editor)
    client.get(LIST_URL)  # makes a thumbnail rendition
    assert len(stored_files()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:media_image_delete", args=[image.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert stored_files() == []


@pytest.mark.parametrize(
    ("status", "hours_from_now", "protected"),
    [
        (Status.PUBLISHED, -1, True),
        (Status.SCHEDULED, 2, True),  # goes live at its minute with nobody reviewing it again
        # Reviewed as it stands: a caption changed after approval would be published unreviewed.
        (Status.IN_REVIEW, None, True),
        (Status.APPROVED, None, True),
        (Status.DRAFT, None, False),
        (Status.WITHDRAWN, -1, False),
    ],
)
def test_a_writer_may_not_change_an_image_a_submitted_or_live_article_shows(
    writer_client, photo, status, hours_from_now, protected
):
    image = ingest_image(photo, title="Road", alt_text="Road", caption="As approved.")
    publish_at = timezone.now() + timedelta(hours=hours_from_now) if hours_from_now else None
    article = make_article(status=status, publish_at=publish_at, image=image, headline="Camry returns")
    url = reverse("admin:media_image_change", args=[image.pk])
    page = writer_client.get(url).content.decode()
    crafted = writer_client.post(url, change_form(image, caption="Unreviewed caption", focal_x="0.1"))
    image.refresh_from_db()
    if protected:
        assert "“Camry returns” shows this image" in page and 'name="caption"' not in page
        assert "Click the picture" not in page  # the read-only form asks for nothing it ignores
        assert crafted.status_code == 403
        assert (image.caption, image.focal_x) == ("As approved.", 0.5)
    else:
        assert 'name="caption"' in page and crafted.status_code == 302, article.status
        assert "Click the picture" in page
        assert (image.caption, image.focal_x) == ("Unreviewed caption", 0.1)
