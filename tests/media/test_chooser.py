"""The image chooser's endpoints, through the real admin: search, filters, pages, upload in place
with the library's own checks, and who may use them; and the chosen image in the article form."""

import itertools
import json
from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from newsroom.media.chooser import PAGE_SIZE
from newsroom.media.ingest import ingest_image
from newsroom.media.models import Image
from tests.media import corpus

CHOOSER = reverse("admin:media_image_chooser")
UPLOAD = reverse("admin:media_image_chooser_upload")
_serial = itertools.count(1)


def make_image(title="A car", **fields):
    """An image row (its file is never read here: the chooser shows renditions that exist)."""
    n = next(_serial)
    values = {
        "file": f"images/originals/chooser-{n}.jpg",
        "title": title,
        "alt_text": "A car by a river.",
        "width": 3000,
        "height": 2000,
        "format": "JPEG",
        "byte_size": 2_000_000,
        "content_hash": f"c{n:063d}",
    } | fields
    return Image.objects.create(**values)


def upload_form(upload, **fields):
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


def titles(response):
    return [card["title"] for card, _ in response.context["cards"]]


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


# -- search, filters, pages ------------------------------------------------------------------------


def test_the_chooser_lists_the_newest_images_first_with_their_alt_text(writer_client):
    make_image("Old road", uploaded_at=timezone.now() - timedelta(days=3))
    make_image("Decorative stripes", is_decorative=True, alt_text="")
    make_image("Camry in Kentucky", alt_text="")
    response = writer_client.get(CHOOSER)
    assert response.status_code == 200
    assert titles(response) == ["Camry in Kentucky", "Decorative stripes", "Old road"]
    html = response.content.decode()
    assert "Latest images" in html
    assert "Missing alt text" in html and "Decorative" in html and "Alt: A car by a river." in html
    # Nothing made yet and the originals too large to send: a placeholder, never a rendition made now.
    assert html.count("Thumbnail being made") == 3
    assert not Image.objects.filter(renditions__isnull=False).exists()


def test_search_finds_words_in_the_title_caption_or_credit(writer_client):
    make_image("Camry in Kentucky")
    make_image("Plant gate", caption="The Georgetown plant builds the Camry.")
    make_image("Dealer lot", credit="Camry Press Office")
    make_image("Tundra at dusk", caption="Kentucky sky")
    assert sorted(titles(writer_client.get(CHOOSER, {"q": "camry"}))) == [
        "Camry in Kentucky",
        "Dealer lot",
        "Plant gate",
    ]
    # Every word must match somewhere.
    assert titles(writer_client.get(CHOOSER, {"q": "kentucky camry"})) == ["Camry in Kentucky"]
    response = writer_client.get(CHOOSER, {"q": "nothing like this"})
    assert titles(response) == [] and "No image matches" in response.content.decode()


def test_filters_recent_mine_and_missing_alt_text(writer_client, writer, editor):
    make_image("Last month", uploaded_at=timezone.now() - timedelta(days=30), uploaded_by=writer)
    make_image("Mine, no alt", alt_text="", uploaded_by=writer)
    make_image("Editor's", uploaded_by=editor)
    make_image("Decorative", alt_text="", is_decorative=True)
    Image.objects.filter(title="Last month").update(uploaded_at=timezone.now() - timedelta(days=30))
    assert "Last month" not in titles(writer_client.get(CHOOSER, {"show": "recent"}))
    assert titles(writer_client.get(CHOOSER, {"show": "mine"})) == ["Mine, no alt", "Last month"]
    assert titles(writer_client.get(CHOOSER, {"show": "missing_alt"})) == ["Mine, no alt"]
    assert titles(writer_client.get(CHOOSER, {"show": "mine", "q": "alt"})) == ["Mine, no alt"]


def test_pages_of_images_run_a_fixed_number_of_queries(writer_client, django_assert_num_queries):
    for i in range(PAGE_SIZE + 1):
        make_image(f"Image {i:02d}")
    # session, user, permissions (user's, groups'), count, the page, its renditions
    with django_assert_num_queries(7):
        first = writer_client.get(CHOOSER)
    assert len(titles(first)) == PAGE_SIZE and 'data-chooser-page="2"' in first.content.decode()
    with django_assert_num_queries(7):
        second = writer_client.get(CHOOSER, {"page": 2})
    assert titles(second) == ["Image 00"] and "Page 2 of 2" in second.content.decode()
    # A page past the end shows the last one.
    assert titles(writer_client.get(CHOOSER, {"page": 99})) == ["Image 00"]


def test_thumbnails_are_renditions_that_exist(writer_client, django_capture_on_commit_callbacks, photo):
    with django_capture_on_commit_callbacks(execute=True):  # the task worker's renditions
        image = ingest_image(photo, title="Rendered", alt_text="Road")
    made = image.renditions.count()
    card, _ = writer_client.get(CHOOSER).context["cards"][0]
    assert card["thumbnail"].endswith(".webp") and card["thumbnail_width"] == 320
    assert image.renditions.count() == made


@pytest.mark.parametrize(
    "query",
    [{"show": "everything"}, {"page": "0"}, {"page": "two"}, {"page": "9" * 30}, {"q": "x" * 201}],
    ids=["unknown filter", "page 0", "page as a word", "huge page", "long search"],
)
def test_a_bad_search_is_a_400_that_says_why(writer_client, query):
    response = writer_client.get(CHOOSER, query)
    assert response.status_code == 400
    assert "The search could not be run" in response.content.decode()


def test_the_chooser_only_answers_get(writer_client):
    assert writer_client.post(CHOOSER).status_code == 405
    assert writer_client.put(UPLOAD).status_code == 405


# -- who may use it --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for url in (CHOOSER, UPLOAD):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(UPLOAD, upload_form(SimpleUploadedFile("a.jpg", corpus.photo_bytes()))).status_code == 302
    assert not Image.objects.exists()


def test_staff_without_the_image_permissions_get_403(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    group = Group.objects.create(name="Tag clerks")
    group.permissions.add(Permission.objects.get(codename="view_tag"))
    clerk.groups.add(group)
    client.force_login(clerk)
    assert client.get(CHOOSER).status_code == 403
    assert client.get(UPLOAD).status_code == 403
    group.permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(clerk)
    assert client.get(CHOOSER).status_code == 200
    # Viewing the library is not adding to it.
    response = client.post(UPLOAD, upload_form(SimpleUploadedFile("a.jpg", corpus.photo_bytes())))
    assert response.status_code == 403
    assert not Image.objects.exists()


# -- upload in place -------------------------------------------------------------------------------


def test_the_upload_tab_is_the_librarys_form(writer_client):
    response = writer_client.get(UPLOAD)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="upload"' in html and 'name="alt_text"' in html and 'name="is_decorative"' in html
    assert 'type="hidden" name="focal_x"' in html
    assert "JPEG, PNG, WebP, GIF" in html  # the library's own help text


def test_an_upload_is_stored_logged_and_returned_for_choosing(
    writer_client, writer, stored_files, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(
            UPLOAD,
            upload_form(
                SimpleUploadedFile("kentucky-plant.jpg", corpus.photo_bytes(), "image/jpeg"),
                alt_text="The Georgetown plant at dawn.",
                credit="Toyota",
            ),
        )
    assert response.status_code == 201
    card = json.loads(response.content)["image"]
    image = Image.objects.get()
    assert card["id"] == image.pk and card["title"] == "kentucky-plant"
    assert card["alt_status"] == "written" and card["alt_text"] == "The Georgetown plant at dawn."
    assert image.uploaded_by == writer and image.credit == "Toyota"
    # The request makes no rendition: the card shows the original (small enough to send as it is),
    # and the task worker makes the renditions once the upload has committed.
    assert card["thumbnail"] == image.file.url
    assert image.renditions.exists()
    entry = LogEntry.objects.get()
    assert entry.action_flag == ADDITION and entry.object_id == str(image.pk) and entry.user == writer


@pytest.mark.parametrize(
    ("file_name", "data_factory", "code"),
    [(file_name, factory, code) for _, file_name, factory, code in corpus.HOSTILE],
    ids=[case[0] for case in corpus.HOSTILE],
)
def test_a_hostile_upload_is_the_librarys_form_error_and_leaves_nothing(
    writer_client, stored_files, file_name, data_factory, code
):
    response = writer_client.post(UPLOAD, upload_form(SimpleUploadedFile(file_name, data_factory(), "image/jpeg")))
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["upload"]
    assert form.errors.as_data()["upload"][0].code == code
    assert "Nothing was uploaded" in response.content.decode()
    assert stored_files() == [] and not Image.objects.exists()


def test_an_upload_over_the_size_limit_and_a_duplicate_are_form_errors(writer_client, settings, photo):
    existing = ingest_image(photo, title="Already here", alt_text="Road")
    response = writer_client.post(UPLOAD, upload_form(SimpleUploadedFile("again.jpg", photo)))
    assert response.status_code == 400 and "already in the library" in response.content.decode()
    assert "Already here" in response.content.decode()
    settings.IMAGE_MAX_UPLOAD_BYTES = 5_000
    response = writer_client.post(UPLOAD, upload_form(SimpleUploadedFile("big.jpg", corpus.photo_bytes())))
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["upload"][0].code == "too_large"
    assert list(Image.objects.all()) == [existing]


def test_an_upload_without_a_file_or_with_a_bad_focal_point_is_a_form_error(writer_client):
    response = writer_client.post(UPLOAD, upload_form(""))
    assert response.status_code == 400 and "upload" in response.context["form"].errors
    response = writer_client.post(
        UPLOAD, upload_form(SimpleUploadedFile("a.jpg", corpus.photo_bytes()), focal_x="7", title="x" * 300)
    )
    assert response.status_code == 400
    assert {"focal_x", "title"} <= set(response.context["form"].errors)
    assert not Image.objects.exists()


def test_the_upload_tab_runs_a_fixed_number_of_queries(writer_client, django_assert_num_queries):
    with django_assert_num_queries(4):  # session, user, permissions (user's, groups')
        assert writer_client.get(UPLOAD).status_code == 200
    ContentType.objects.get_for_model(Image)  # cached per process: warm it so the count is stable
    # and the duplicate check, the image (in a savepoint: 3), the admin's log entry, the image's
    # renditions (was 11 with the API's reference-data version, which the stored documents' build
    # time replaced in its ETags)
    with django_assert_num_queries(10):
        response = writer_client.post(UPLOAD, upload_form(SimpleUploadedFile("a.jpg", corpus.photo_bytes())))
    assert response.status_code == 201
