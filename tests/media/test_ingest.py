"""The upload service: what is accepted, what is refused and what is stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import features

from newsroom.media.ingest import ingest_image, prepare_image, store_prepared
from newsroom.media.models import Image
from newsroom.media.renditions import get_renditions, srcset_specs
from tests.media import corpus


def open_stored(image):
    with image.file.open("rb") as handle:
        data = handle.read()
    return data, PILImage.open(io.BytesIO(data))


def assert_no_metadata(data):
    picture = PILImage.open(io.BytesIO(data))
    assert not picture.getexif(), "EXIF survived"
    assert corpus.GPS_IFD not in picture.getexif()
    for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
        assert key not in picture.info, f"{key} survived"
    assert corpus.CAMERA_SERIAL.encode() not in data
    assert b"PhoneMaker" not in data


@pytest.mark.parametrize(
    ("name", "data_factory", "code"),
    [(name, factory, code) for name, _, factory, code in corpus.HOSTILE],
    ids=[case[0] for case in corpus.HOSTILE],
)
def test_hostile_file_is_refused_with_a_clear_error_and_nothing_stored(db, stored_files, name, data_factory, code):
    with pytest.raises(ValidationError) as refused:
        ingest_image(data_factory(), title=name)

    assert refused.value.code == code
    message = refused.value.messages[0]
    assert len(message) > 20 and "Traceback" not in message
    assert stored_files() == []
    assert not Image.objects.exists()


def test_the_error_messages_say_what_to_do(db):
    with pytest.raises(ValidationError) as refused:
        ingest_image(corpus.small_bomb_png(), title="bomb")
    assert refused.value.messages == [
        "The image is 8,000 × 8,000 pixels (64.0 megapixels); the limit is 50 megapixels. "
        "Resize it and upload it again."
    ]
    with pytest.raises(ValidationError) as refused:
        ingest_image(corpus.pdf_bytes(), title="scan")
    assert "not an image we accept" in refused.value.messages[0]
    assert "SVG, PDF" in refused.value.messages[0]


def test_size_limit_comes_from_settings(db, settings, stored_files):
    settings.IMAGE_MAX_UPLOAD_BYTES = 10_000
    data = corpus.photo_bytes()
    assert len(data) > 10_000

    with pytest.raises(ValidationError) as refused:
        ingest_image(SimpleUploadedFile("big.jpg", data), title="big")

    assert refused.value.code == "too_large"
    assert "the limit is 9.8\xa0KB" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        ingest_image(io.BytesIO(data), title="big, from a stream without a size")
    assert stored_files() == []


def test_pixel_limit_comes_from_settings(db, settings):
    settings.IMAGE_MAX_PIXELS = 1000 * 1000
    with pytest.raises(ValidationError) as refused:
        ingest_image(corpus.photo_bytes(size=(1600, 900)), title="too many pixels")
    assert refused.value.code == "too_many_pixels"
    assert "1,600 × 900" in refused.value.messages[0]


def test_phone_photo_is_rotated_upright_and_stored_without_any_metadata(db, writer):
    upload = SimpleUploadedFile("IMG_0001.jpg", corpus.exif_gps_jpeg(orientation=6, size=(800, 600)), "image/jpeg")

    image = ingest_image(upload, title="Launch", alt_text="The car on stage", uploaded_by=writer, credit="Reuters")

    data, stored = open_stored(image)
    assert_no_metadata(data)
    # Orientation 6 means "rotate 90° clockwise to view": the 800 × 600 sensor image stands upright.
    assert (image.width, image.height) == (600, 800) == stored.size
    assert stored.getpixel((image.width - 10, 10))[1] > 150  # the green corner is now top right
    assert (image.format, image.uploaded_by, image.credit) == ("JPEG", writer, "Reuters")
    assert image.byte_size == len(data)
    for rendition in get_renditions(image, [*srcset_specs(image), *srcset_specs(image, (16, 9))]).values():
        with rendition.file.open("rb") as handle:
            assert_no_metadata(handle.read())


def test_png_text_chunks_and_icc_profile_are_dropped(db):
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", corpus.CAMERA_SERIAL)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = corpus.photo_bytes(size=(200, 100), fmt="PNG", pnginfo=info, icc_profile=icc)

    image = ingest_image(data, title="chart")

    stored, picture = open_stored(image)
    assert_no_metadata(stored)
    assert picture.format == "PNG"


def test_duplicate_upload_returns_the_image_already_stored(db, stored_files, photo):
    first = ingest_image(photo, title="First")
    files = stored_files()

    again = ingest_image(SimpleUploadedFile("copy.jpg", photo), title="Second")

    assert again.pk == first.pk and again.title == "First"
    assert Image.objects.count() == 1
    assert stored_files() == files


def test_fields_are_filled_from_the_file(db, photo):
    image = ingest_image(photo, title="Road", caption="At dusk", focal_x=0.25, is_decorative=True)

    assert (image.width, image.height, image.format) == (1600, 900, "JPEG")
    assert len(image.content_hash) == 64
    assert (image.caption, image.focal_x, image.is_decorative) == ("At dusk", 0.25, True)
    assert image.file.name.startswith("images/originals/road-")


def test_unknown_fields_are_a_programming_error(db, photo):
    with pytest.raises(TypeError):
        ingest_image(photo, title="x", colour="red")


@pytest.mark.parametrize(
    ("fmt", "mode", "stored_format"),
    [("PNG", "RGBA", "PNG"), ("WEBP", "RGB", "WEBP"), ("JPEG", "RGB", "JPEG"), ("GIF", "RGB", "GIF")],
)
def test_accepted_formats_keep_their_format(db, fmt, mode, stored_format):
    image = ingest_image(corpus.photo_bytes(size=(300, 200), fmt=fmt, mode=mode), title=fmt)

    _, stored = open_stored(image)
    assert image.format == stored.format == stored_format
    assert stored.size == (300, 200)


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow build has no AVIF support")
def test_avif_is_accepted_when_pillow_supports_it(db):
    image = ingest_image(corpus.photo_bytes(size=(300, 200), fmt="AVIF"), title="avif")
    assert image.format == "AVIF"


def test_animated_gif_keeps_its_first_frame_only(db):
    image = ingest_image(corpus.animated_gif(frames=3), title="loop")

    data, stored = open_stored(image)
    assert getattr(stored, "n_frames", 1) == 1
    assert stored.convert("RGB").getpixel((5, 5)) == (255, 0, 0)
    assert b"secret" not in data


def test_file_is_named_after_the_title_and_hash(db, photo):
    image = ingest_image(photo, title="Toyota Tundra / Japan <launch>")
    assert image.file.name == f"images/originals/toyota-tundra-japan-launch-{image.content_hash[:12]}.jpg"


def test_multi_picture_phone_jpeg_is_stored_as_a_plain_jpeg(db):
    buffer = io.BytesIO()
    main, depth_map = PILImage.new("RGB", (320, 240), (10, 120, 200)), PILImage.new("RGB", (160, 120))
    main.save(buffer, "MPO", save_all=True, append_images=[depth_map])
    assert PILImage.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    image = ingest_image(buffer.getvalue(), title="two pictures in one")

    _, stored = open_stored(image)
    assert (image.format, stored.format, stored.size) == ("JPEG", "JPEG", (320, 240))
    assert getattr(stored, "n_frames", 1) == 1


def test_bad_fields_are_refused_before_anything_is_stored(db, stored_files, photo):
    with pytest.raises(ValidationError) as refused:
        ingest_image(photo, title="", focal_x=1.5)

    assert set(refused.value.message_dict) == {"title", "focal_x"}
    assert stored_files() == []


def test_a_failed_save_leaves_no_file_behind(db, stored_files, photo):
    image = Image(title="bad focal point", focal_x="left")  # as if validation had been skipped
    with pytest.raises(ValueError, match="focal_x"):
        store_prepared(prepare_image(photo), image)

    assert stored_files() == []
    assert not Image.objects.exists()
