"""Renditions and the template tags: sizes, crops, made once by the worker's task, never by a
page, which shows the nearest there is; constant queries."""

import io
import re

import pytest
from django.template import Context, Template
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from newsroom.media import renditions as renditions_module
from newsroom.media.ingest import ingest_image
from newsroom.media.models import Image, Rendition
from newsroom.media.renditions import Spec, get_rendition, get_renditions, srcset_specs
from newsroom.media.tasks import make_reader_renditions, make_renditions
from tests.media import corpus

PAGE = Template(
    "{% load images %}{% for image in images %}"
    '{% responsive_image image sizes="(min-width: 60rem) 30rem, 100vw" crop="16x9" %}'
    "{% endfor %}"
)


def make_images(count, size=(480, 320), renditions=True):
    """Uploaded images; with ``renditions``, also what the worker's task makes of each."""
    images = [
        ingest_image(
            corpus.photo_bytes(size=size, color=(i * 7 % 255, 50, 90)), title=f"Photo {i}", alt_text=f"Car {i}"
        )
        for i in range(count)
    ]
    for image in images if renditions else ():
        make_reader_renditions(image)
    return [Image.objects.get(pk=image.pk) for image in images]


def open_rendition(rendition):
    with rendition.file.open("rb") as handle:
        return PILImage.open(io.BytesIO(handle.read()))


def render_page(images):
    return PAGE.render(Context({"images": images}))


def test_responsive_image_renders_picture_with_webp_and_jpeg_srcsets(db):
    image = ingest_image(corpus.photo_bytes(size=(2000, 1500)), title="Camry", alt_text='A "Camry" <sedan>')
    make_reader_renditions(image)

    html = Template(
        '{% load images %}{% responsive_image image sizes="100vw" crop="16x9" class="lead" fetchpriority="high" %}'
    ).render(Context({"image": image}))

    assert html.startswith('<picture><source type="image/webp" srcset="')
    webp_srcset = re.search(r'<source type="image/webp" srcset="([^"]+)"', html)[1]
    jpeg_srcset = re.search(r'<img src="[^"]+" srcset="([^"]+)"', html)[1]
    assert [entry.split()[1] for entry in webp_srcset.split(", ")] == ["320w", "640w", "1024w", "1600w"]
    assert all(entry.split()[0].endswith(".webp") for entry in webp_srcset.split(", "))
    assert all(entry.split()[0].endswith(".jpg") for entry in jpeg_srcset.split(", "))
    # The fallback and the intrinsic size: 1024 × 576 is 16:9, so the page reserves the right box.
    assert 'width="1024" height="576"' in html
    assert 'alt="A &quot;Camry&quot; &lt;sedan&gt;"' in html
    assert 'loading="lazy"' in html and 'sizes="100vw"' in html
    assert 'class="lead"' in html and 'fetchpriority="high"' in html


def test_decorative_image_gets_empty_alt_and_missing_alt_falls_back_to_title(db):
    decorative, untitled = make_images(2)
    decorative.is_decorative = True
    untitled.alt_text = ""

    assert 'alt=""' in render_page([decorative])
    assert 'alt="Photo 1"' in render_page([untitled])


def test_never_upscaled(db):
    image = ingest_image(corpus.photo_bytes(size=(500, 300)), title="small")

    assert [str(spec) for spec in srcset_specs(image)] == ["width-320", "width-500"]
    rendition = get_rendition(image, "width-1600", "jpeg")
    assert (rendition.width, rendition.height) == (500, 300)
    crop = get_rendition(image, "fill-16x9-1200", "webp")
    assert (crop.width, crop.height) == open_rendition(crop).size == (500, 281)


@pytest.mark.parametrize(
    ("size", "focal", "spec"),
    [
        ((1600, 400), (0.9, 0.5), "fill-16x9-640"),  # very wide: the sides are cut
        ((600, 1800), (0.5, 0.1), "fill-1x1-320"),  # tall: top and bottom are cut
        ((600, 1800), (0.5, 0.95), "fill-16x9-320"),
        ((2000, 1000), (0.02, 0.5), "fill-1x1-320"),
    ],
)
def test_focal_crop_keeps_the_focal_point_in_frame(db, size, focal, spec):
    image = ingest_image(corpus.marker_image_bytes(size, focal), title="marker", focal_x=focal[0], focal_y=focal[1])

    rendition = get_rendition(image, spec, "jpeg")

    picture = open_rendition(rendition).convert("RGB")
    ratio = Spec.parse(spec).ratio
    assert abs(picture.width / picture.height - ratio[0] / ratio[1]) < 0.01
    reds = [
        (x, y)
        for x in range(0, picture.width, 2)
        for y in range(0, picture.height, 2)
        if picture.getpixel((x, y))[0] > 200 and picture.getpixel((x, y))[1] < 80
    ]
    assert reds, "the focal point was cropped away"


def test_moving_the_focal_point_makes_new_crops_and_keeps_plain_resizes(db):
    (image,) = make_images(1)
    crop_before = get_rendition(image, "fill-1x1-320", "jpeg")
    resize_before = get_rendition(image, "width-320", "jpeg")

    image.focal_x, image.focal_y = 0.1, 0.9
    image.save()
    image = Image.objects.get(pk=image.pk)

    assert get_rendition(image, "fill-1x1-320", "jpeg").pk != crop_before.pk
    assert get_rendition(image, "width-320", "jpeg").pk == resize_before.pk


def test_renditions_are_made_once_and_pages_only_read_them(db, stored_files):
    images = make_images(3, renditions=False)
    rows, files = Rendition.objects.count(), stored_files()
    assert rows == 0

    render_page(images)  # before the worker: the originals, and nothing made
    assert Rendition.objects.count() == 0 and stored_files() == files

    # 320 and 480 of the whole picture and of the 16:9 crop, and the social card (480 too), in two formats
    assert [make_reader_renditions(image) for image in images] == [10] * 3
    assert [make_reader_renditions(image) for image in images] == [0] * 3  # running again makes nothing
    rows, files = Rendition.objects.count(), stored_files()
    first = render_page(Image.objects.order_by("title").prefetch_related("renditions"))
    assert first.count("<picture>") == 3
    for _ in range(3):
        assert render_page(Image.objects.order_by("title").prefetch_related("renditions")) == first
    assert Rendition.objects.count() == rows
    assert stored_files() == files


@pytest.mark.parametrize("count", [5, 20])
def test_a_page_of_images_runs_a_fixed_number_of_queries(db, django_assert_num_queries, count):
    images = make_images(count)

    with django_assert_num_queries(2):  # the images, then all their renditions
        html = render_page(Image.objects.prefetch_related("renditions"))

    assert html.count("<picture>") == len(images)


def test_two_workers_creating_the_same_rendition_keep_one(db, stored_files):
    (image,) = make_images(1, renditions=False)
    spec = Spec.parse("width-320")
    ((_, _, data, width, height),) = renditions_module.render_bytes(image.file.open("rb"), [(spec, "jpeg")])
    image.file.close()

    first = renditions_module._store(image, spec, "jpeg", data, width, height)
    second = renditions_module._store(Image.objects.get(pk=image.pk), spec, "jpeg", data, width, height)

    assert second.pk == first.pk
    assert Rendition.objects.count() == 1
    assert len([name for name in stored_files() if "renditions" in name]) == 1


def test_transparent_png_gets_a_white_jpeg_fallback_and_keeps_alpha_in_webp(db):
    picture = PILImage.new("RGBA", (400, 200), (0, 0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    image = ingest_image(buffer.getvalue(), title="logo")

    renditions = get_renditions(image, ["width-320"])

    assert open_rendition(renditions[("width-320", "jpeg")]).convert("RGB").getpixel((5, 5)) == (255, 255, 255)
    assert open_rendition(renditions[("width-320", "webp")]).mode == "RGBA"


def test_image_url_is_absolute_for_social_cards(db, settings):
    settings.SITE_URL = "https://news.example"
    (image,) = make_images(1, size=(1600, 900))

    url = Template('{% load images %}{% image_url image "fill-16x9-1200" %}').render(Context({"image": image}))

    assert re.fullmatch(
        r"https://news\.example/media/images/renditions/\d+/\w+-fill-16x9-1200-f0\.500-0\.500\.jpg", url
    )
    assert get_rendition(image, "fill-16x9-1200", "jpeg").width == 1200


def test_before_the_worker_a_page_shows_a_small_original_and_never_a_huge_one(db, stored_files):
    (small,) = make_images(1, size=(480, 320), renditions=False)
    huge = ingest_image(corpus.photo_bytes(size=(2600, 1600)), title="Huge", alt_text="A car")  # 4.2 megapixels
    files = stored_files()

    html = render_page([small])
    assert html == (
        f'<img src="/media/{small.file.name}" width="480" height="320" alt="Car 0" loading="lazy" decoding="async">\n'
    )
    assert Template('{% load images %}{% image_url image "fill-16x9-1200" %}').render(Context({"image": small})) == (
        f"http://127.0.0.1:8000/media/{small.file.name}"
    )
    assert render_page([huge]) == ""
    assert Template('{% load images %}{% image_url image "fill-16x9-1200" %}').render(Context({"image": huge})) == ""
    assert not Rendition.objects.exists() and stored_files() == files


def test_a_missing_width_is_served_by_the_nearest_there_is(db, django_assert_num_queries):
    (image,) = make_images(1, size=(2000, 1500), renditions=False)
    get_renditions(image, ["width-640", "width-1600"])  # 320 and 1024 not made (yet)
    template = Template('{% load images %}{% responsive_image image sizes="50vw" %}')
    image = Image.objects.prefetch_related("renditions").get()

    with django_assert_num_queries(0):
        html = template.render(Context({"image": image}))

    for fmt in ("webp", "jpg"):
        srcset = re.search(rf'srcset="([^"]*\.{fmt} [^"]*)"', html)[1]
        assert [entry.split()[1] for entry in srcset.split(", ")] == ["640w", "1600w"]
    assert re.search(r'<img src="[^"]+-width-640\.jpg" ', html) and 'width="640" height="480"' in html
    assert Rendition.objects.count() == 4


def test_a_moved_focal_point_shows_the_old_crops_until_the_worker_replaced_them(
    db, stored_files, django_capture_on_commit_callbacks
):
    (image,) = make_images(1, size=(1600, 900))
    image.focal_x = 0.2
    image.save()

    before = render_page(Image.objects.prefetch_related("renditions"))
    # 320, 640, 1024 and 1600 in two formats, and the 1024 JPEG again as the <img> src
    assert before.count("-f0.500-0.500.") == 9 and "-f0.200-" not in before
    old_crops = {name for name in stored_files() if "-f0.500-0.500." in name}
    assert len(old_crops) == 10  # and the social card's 1200 in both formats

    with django_capture_on_commit_callbacks(execute=True):  # the old files go once their deletion commits
        assert make_reader_renditions(image) == 10
    after = render_page(Image.objects.prefetch_related("renditions"))
    assert after.count("-f0.200-0.500.") == 9 and "-f0.500-" not in after
    assert not set(stored_files()) & old_crops
    assert not Rendition.objects.filter(focal_key="0.500,0.500").exists()
    assert Rendition.objects.filter(focal_key="").count() == 8  # the whole picture's are kept


@pytest.mark.django_db(transaction=True)  # as in the worker: each rendition commits on its own
def test_the_task_survives_a_deleted_image(settings, stored_files, monkeypatch):
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    (gone,) = make_images(1, renditions=False)
    gone_pk = gone.pk
    gone.delete()
    assert make_renditions.call(gone_pk) == 0

    (image,) = make_images(1, renditions=False)
    render = renditions_module.render_bytes

    def deleted_meanwhile(*args, **kwargs):  # an editor deletes it while the worker decodes it
        Image.objects.filter(pk=image.pk).delete()
        return render(*args, **kwargs)

    monkeypatch.setattr(renditions_module, "render_bytes", deleted_meanwhile)
    assert make_renditions.call(image.pk) == 0
    assert not Rendition.objects.exists()
    assert stored_files() == []


def test_a_failed_run_is_queued_again_later(db, settings, stored_files):
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    (image,) = make_images(1, renditions=False)
    image.file.storage.delete(image.file.name)  # storage lost it, perhaps for a moment

    with pytest.raises(FileNotFoundError):
        make_renditions.call(image.pk)

    retry = DBTaskResult.objects.get()
    assert retry.task_path == "newsroom.media.tasks.make_renditions"
    assert retry.args_kwargs == {"args": [image.pk], "kwargs": {"attempt": 2}}
    assert 5 < (retry.run_after - timezone.now()).total_seconds() <= 10
    with pytest.raises(FileNotFoundError):
        make_renditions.call(image.pk, attempt=5)  # the last attempt: nothing queued
    assert DBTaskResult.objects.count() == 1


def test_no_image_renders_nothing(db):
    assert render_page([None]) == ""


@pytest.mark.parametrize("spec", ["width-0", "fill-0x9-100", "crop-10", "width-99999", "", "fill-16x9"])
def test_bad_specs_are_refused(spec):
    with pytest.raises(ValueError):
        Spec.parse(spec)


def test_upload_makes_the_usual_renditions_ahead_of_the_first_reader(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = ingest_image(corpus.photo_bytes(size=(1200, 800)), title="warm", alt_text="A car")

    made = set(Rendition.objects.filter(image=image).values_list("spec", "format"))
    assert {("width-1024", "webp"), ("fill-16x9-1200", "jpeg"), ("fill-16x9-640", "jpeg")} <= made
    count = len(made)
    with django_capture_on_commit_callbacks(execute=True):
        render_page([Image.objects.get(pk=image.pk)])
    assert Rendition.objects.filter(image=image).count() == count  # the page found them ready


def test_an_unreadable_original_makes_nothing_and_the_admin_says_so(client, editor, caplog):
    (image,) = make_images(1, renditions=False)
    with image.file.storage.open(image.file.name, "wb") as handle:
        handle.write(b"not a picture any more")  # corrupted in storage: Pillow cannot identify it
    client.force_login(editor)

    assert make_renditions.call(image.pk) == 0  # logged, not retried: it will not get better
    assert "the original is not a readable image" in caplog.text
    assert not Rendition.objects.exists()
    change_page = client.get(f"/admin/media/image/{image.pk}/change/")
    assert change_page.status_code == 200
    assert "The original file cannot be read." in change_page.content.decode()
