"""Renditions and the template tags: sizes, crops, generated once, constant queries."""

import io
import re

import pytest
from django.template import Context, Template
from PIL import Image as PILImage

from newsroom.media import renditions as renditions_module
from newsroom.media.ingest import ingest_image
from newsroom.media.models import Image, Rendition
from newsroom.media.renditions import Spec, get_rendition, get_renditions, srcset_specs
from tests.media import corpus

PAGE = Template(
    "{% load images %}{% for image in images %}"
    '{% responsive_image image sizes="(min-width: 60rem) 30rem, 100vw" crop="16x9" %}'
    "{% endfor %}"
)


def make_images(count, size=(480, 320)):
    return [
        ingest_image(
            corpus.photo_bytes(size=size, color=(i * 7 % 255, 50, 90)), title=f"Photo {i}", alt_text=f"Car {i}"
        )
        for i in range(count)
    ]


def open_rendition(rendition):
    with rendition.file.open("rb") as handle:
        return PILImage.open(io.BytesIO(handle.read()))


def render_page(images):
    return PAGE.render(Context({"images": images}))


def test_responsive_image_renders_picture_with_webp_and_jpeg_srcsets(db):
    image = ingest_image(corpus.photo_bytes(size=(2000, 1500)), title="Camry", alt_text='A "Camry" <sedan>')

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


def test_renditions_are_generated_once_across_repeated_renders(db, stored_files):
    images = make_images(3)
    first = render_page(images)
    rows, files = Rendition.objects.count(), stored_files()
    assert rows == 3 * 2 * 2  # three images, 320 px and their own 480 px, WebP and JPEG

    for _ in range(3):
        fresh = list(
            Image.objects.filter(pk__in=[i.pk for i in images]).order_by("title").prefetch_related("renditions")
        )
        assert render_page(fresh) == first

    assert Rendition.objects.count() == rows
    assert stored_files() == files


@pytest.mark.parametrize("count", [5, 20])
def test_a_page_of_images_runs_a_fixed_number_of_queries(db, django_assert_num_queries, count):
    images = make_images(count)
    render_page(Image.objects.prefetch_related("renditions"))  # first view makes the renditions

    with django_assert_num_queries(2):  # the images, then all their renditions
        html = render_page(Image.objects.prefetch_related("renditions"))

    assert html.count("<picture>") == len(images)


def test_two_requests_creating_the_same_rendition_keep_one(db, stored_files):
    (image,) = make_images(1)
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


def test_missing_original_hides_the_image_instead_of_failing_the_page(db):
    (image,) = make_images(1)
    image.file.storage.delete(image.file.name)

    assert render_page([image]) == ""
    assert Template('{% load images %}{% image_url image "width-320" %}').render(Context({"image": image})) == ""


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


def test_an_unreadable_original_is_one_failure_rule_for_pages_and_the_admin(client, editor):
    from newsroom.media import admin as media_admin
    from newsroom.media.templatetags import images as image_tags

    (image,) = make_images(1)
    with image.file.storage.open(image.file.name, "wb") as handle:
        handle.write(b"not a picture any more")  # corrupted in storage: Pillow cannot identify it
    client.force_login(editor)

    assert media_admin.RENDER_ERRORS is image_tags.RENDER_ERRORS is renditions_module.RENDER_ERRORS
    assert render_page([image]) == ""
    change_page = client.get(f"/admin/media/image/{image.pk}/change/")
    assert change_page.status_code == 200
    assert "The original file cannot be read." in change_page.content.decode()
