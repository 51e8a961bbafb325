"""Taking an upload into the image library safely.

The file is identified by what it contains, never by its name or declared content type, and
only raster formats Pillow can decode are accepted. Size and pixel limits are checked from the
header before any pixel is decoded, so a decompression bomb is refused instead of filling the
worker's memory. What is stored is a re-encoding of the pixels alone: EXIF (GPS position, camera
serial numbers), XMP, comments and ICC profiles do not survive, and the EXIF orientation is
applied first so the picture stays upright.
"""

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, JpegImagePlugin, UnidentifiedImageError, features

logger = logging.getLogger(__name__)

# An animation is scanned (not decoded) to count its frames; only the first frame is kept.
MAX_FRAMES = 500

# Pillow format name -> (format stored, file extension). A phone JPEG that carries a second,
# embedded picture opens as MPO: it is a JPEG for every purpose here.
_ACCEPTED = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("GIF", "gif"),
}
if features.check("avif"):
    _ACCEPTED["AVIF"] = ("AVIF", "avif")

# The Image fields a caller may set besides title, alt text and uploader.
EDITABLE_FIELDS = {"caption", "credit", "copyright", "is_decorative", "focal_x", "focal_y"}


def accepted_formats_label():
    names = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "AVIF": "AVIF"}
    labels = [names[stored] for stored, _ in dict.fromkeys(_ACCEPTED.values())]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


@dataclass(frozen=True)
class PreparedImage:
    """An upload that passed every check, re-encoded and ready to store."""

    data: bytes
    format: str
    extension: str
    width: int
    height: int

    @property
    def content_hash(self):
        return hashlib.sha256(self.data).hexdigest()


def prepare_image(source):
    """Check and re-encode an upload without touching storage or the database.

    `source` is bytes, a Django File/UploadedFile or a binary file object. Raises
    ValidationError with a message an editor can act on."""
    data = _read_limited(source, settings.IMAGE_MAX_UPLOAD_BYTES)
    if not data:
        raise ValidationError("The file is empty (0 bytes): choose the picture again.", code="empty")
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below decides; Pillow's warning threshold is a different number.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            return _reencode(data)
    except ValidationError:
        raise
    except PILImage.DecompressionBombError:
        raise _too_many_pixels_error(None)
    except UnidentifiedImageError:
        raise _not_an_image_error()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError) as exc:
        # Pillow reports damaged files with all of these, depending on the format and the damage.
        logger.info("image upload refused as damaged: %r", exc)
        raise ValidationError(
            "The image file is damaged or incomplete (perhaps the upload was cut off). "
            "Export it again and upload the new file.",
            code="broken",
        )


def ingest_image(source, *, title, alt_text="", uploaded_by=None, **meta):
    """Check, clean and store an upload; return its Image, or the existing one for a duplicate."""
    unknown = set(meta) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"ingest_image() got unexpected fields: {', '.join(sorted(unknown))}")
    from newsroom.media.models import Image

    image = Image(title=title, alt_text=alt_text, uploaded_by=uploaded_by, **meta)
    # The editor's fields first (cheap); the file's own fields are filled from the file below.
    image.clean_fields(exclude={"file", "width", "height", "format", "byte_size", "content_hash", "uploaded_by"})
    prepared = prepare_image(source)
    existing = find_duplicate(prepared)
    if existing:
        return existing
    return store_prepared(prepared, image)


def find_duplicate(prepared):
    from newsroom.media.models import Image

    return Image.objects.filter(content_hash=prepared.content_hash).first()


def store_prepared(prepared, image):
    """Write the cleaned file and save `image`; nothing stays on storage if the save fails.

    Two uploads of the same file at once: the content hash is unique, so the loser removes its
    copy and returns the image the winner stored."""
    from newsroom.media.models import Image

    content_hash = prepared.content_hash
    image.width, image.height = prepared.width, prepared.height
    image.format = prepared.format
    image.byte_size = len(prepared.data)
    image.content_hash = content_hash
    stem = slugify(image.title)[:60] or "image"
    image.file.save(f"{stem}-{content_hash[:12]}.{prepared.extension}", ContentFile(prepared.data), save=False)
    try:
        with transaction.atomic():
            image.save()
    except IntegrityError:
        existing = Image.objects.filter(content_hash=content_hash).first()
        # Object storage may have overwritten the same key: then the file is the winner's too.
        if existing is None or existing.file.name != image.file.name:
            image.file.delete(save=False)
        if existing is None:
            raise
        return existing
    except BaseException:
        image.file.delete(save=False)
        raise
    return image  # its renditions are queued by the save (``signals``)


def _read_limited(source, limit):
    """All of the upload's bytes, refusing as soon as it passes `limit` (nothing more is read)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limit:
            raise _too_large_error(len(data), limit)
        return data
    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_large_error(declared, limit)
    if hasattr(source, "seek"):
        source.seek(0)
    buffer = io.BytesIO()
    chunks = source.chunks() if hasattr(source, "chunks") else iter(lambda: source.read(1024 * 1024), b"")
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise _too_large_error(None, limit)
    return buffer.getvalue()


def _open(data):
    # MPO is not a format to open by: Pillow's JPEG reader returns it for multi-picture JPEGs.
    return PILImage.open(io.BytesIO(data), formats=[name for name in _ACCEPTED if name != "MPO"])


def _reencode(data):
    # 1. Identify and check the header only: nothing is decoded yet.
    with _open(data) as probe:
        if probe.format not in _ACCEPTED:
            raise _not_an_image_error()
        width, height = probe.size
        if width < 1 or height < 1:
            raise _not_an_image_error()
        if width * height > settings.IMAGE_MAX_PIXELS:
            raise _too_many_pixels_error((width, height))
        if getattr(probe, "n_frames", 1) > MAX_FRAMES:
            raise ValidationError(
                "The animation has %(frames)s frames; at most %(limit)s are accepted.",
                code="too_many_frames",
                params={"frames": probe.n_frames, "limit": MAX_FRAMES},
            )
        # 2. Structural check (PNG chunk checksums and the like).
        probe.verify()

    # 3. Decode the first frame; a truncated file fails here.
    with _open(data) as source:
        stored_format, extension = _ACCEPTED[source.format]
        jpeg_tables = _jpeg_tables(source)
        source.load()
        icc_profile = source.info.get("icc_profile")
        ImageOps.exif_transpose(source, in_place=True)  # in place: a big photo is not held twice
        upright = _to_srgb(source, icc_profile)
    upright = _storable_mode(upright, stored_format)
    # Only pixels are written: no EXIF, XMP, comments or ICC profile travel with them.
    upright.info = {}
    output = io.BytesIO()
    upright.save(output, stored_format, **_save_options(stored_format, upright, jpeg_tables))
    return PreparedImage(output.getvalue(), stored_format, extension, upright.width, upright.height)


def _jpeg_tables(source):
    """Reuse a JPEG's own quantisation tables and subsampling: re-encoding then costs almost no quality."""
    if source.format not in ("JPEG", "MPO") or source.mode not in ("RGB", "L"):
        return None
    return {"qtables": source.quantization, "subsampling": JpegImagePlugin.get_sampling(source)}


def _to_srgb(image, icc_profile):
    """Convert colours from an embedded profile (e.g. a phone's Display P3) to sRGB before it is dropped."""
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source_profile, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are
    return converted or image


def _storable_mode(image, stored_format):
    if stored_format == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if stored_format == "GIF":
        return image if image.mode in ("P", "L") else image.convert("RGBA").convert("P")
    if image.mode in ("RGB", "RGBA", "L", "LA") or (stored_format == "PNG" and image.mode in ("P", "1", "I;16")):
        return image
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _save_options(stored_format, image, jpeg_tables):
    if stored_format == "JPEG":
        return {"optimize": True, **(jpeg_tables or {"quality": 92})}
    if stored_format == "PNG":
        return {"optimize": True}
    if stored_format == "WEBP":
        return {"quality": 92, "method": 4}
    if stored_format == "AVIF":
        return {"quality": 85}
    return {}


def _too_large_error(size, limit):
    if size is None:
        return ValidationError(
            "The file is larger than the limit of %(limit)s.", code="too_large", params={"limit": filesizeformat(limit)}
        )
    return ValidationError(
        "The file is %(size)s; the limit is %(limit)s.",
        code="too_large",
        params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
    )


def _too_many_pixels_error(size):
    limit = f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels"
    if size is None:
        return ValidationError(
            "The image has more pixels than the limit of %(limit)s. Resize it and upload it again.",
            code="too_many_pixels",
            params={"limit": limit},
        )
    width, height = size
    return ValidationError(
        "The image is %(width)s × %(height)s pixels (%(megapixels)s megapixels); the limit is %(limit)s. "
        "Resize it and upload it again.",
        code="too_many_pixels",
        params={
            "width": f"{width:,}",
            "height": f"{height:,}",
            "megapixels": f"{width * height / 1_000_000:,.1f}",
            "limit": limit,
        },
    )


def _not_an_image_error():
    return ValidationError(
        "This file is not an image we accept: upload a %(formats)s picture. SVG, PDF and other documents "
        "are refused whatever the file name says.",
        code="not_an_image",
        params={"formats": accepted_formats_label()},
    )
