"""Resized and cropped copies of images: made by the task worker, never by a reader's request.

A spec names what is wanted: ``width-640`` (that width, the whole picture) or
``fill-16x9-1200`` (a 16:9 crop around the focal point, 1200 px wide). Nothing is ever
upscaled: a spec wider than the picture yields the picture's own width. Each rendition is a row
in the Rendition table and a file on the default storage (local files or S3); crops record the
focal point they were cut for, so moving the focal point makes new crops instead of reusing
stale ones.

Two sides. The task worker makes what readers are shown (``reader_specs``) when an image is
uploaded or its focal point moves (``newsroom.media.tasks``); the admin makes its own previews
(``get_renditions``). Pages only look up what is there (``nearest_renditions``): the rendition
asked for, else the nearest width of the same shape, else the original when it is small enough
to send as it is (``original_fits_readers``). So a page never waits for Pillow and never writes.

To show many images with a fixed number of queries, load them with ``prefetch_related("renditions")``:
every lookup here reads that prefetched list.
"""

import io
import logging
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from newsroom.media.models import Image, Rendition

logger = logging.getLogger(__name__)

# What making a rendition raises when the stored original is the problem (missing from storage,
# unreadable): callers hide that one image instead of failing the whole page.
RENDER_ERRORS = (OSError, UnidentifiedImageError, ValueError)

SRCSET_WIDTHS = (320, 640, 1024, 1600)
MAX_OUTPUT_WIDTH = 4000

# Pillow format, MIME type, extension and encoder settings: quality that looks clean on a phone
# and a laptop screen at a fraction of the original's bytes.
FORMATS = {
    "webp": ("WEBP", "image/webp", "webp", {"quality": 80, "method": 4}),
    "jpeg": ("JPEG", "image/jpeg", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
}

_SPEC_RE = re.compile(r"^(?:width-(?P<width>\d{1,4})|fill-(?P<rw>\d{1,2})x(?P<rh>\d{1,2})-(?P<fill_width>\d{1,4}))$")


def crop_focal_key(image):
    """The focal point a crop of ``image`` is cut for now, as ``Rendition.focal_key`` records it."""
    return f"{image.focal_x:.3f},{image.focal_y:.3f}"


@dataclass(frozen=True)
class Spec:
    width: int
    ratio: tuple[int, int] | None = None  # None: keep the whole picture

    @classmethod
    def parse(cls, text):
        match = _SPEC_RE.match(text or "")
        if not match:
            raise ValueError(f"Unknown rendition spec {text!r}: use 'width-640' or 'fill-16x9-1200'.")
        if match["width"]:
            spec = cls(int(match["width"]))
        else:
            spec = cls(int(match["fill_width"]), (int(match["rw"]), int(match["rh"])))
        if not 1 <= spec.width <= MAX_OUTPUT_WIDTH or (spec.ratio and 0 in spec.ratio):
            raise ValueError(f"Rendition spec {text!r} is out of range.")
        return spec

    def __str__(self):
        if self.ratio:
            return f"fill-{self.ratio[0]}x{self.ratio[1]}-{self.width}"
        return f"width-{self.width}"

    def focal_key(self, image):
        """Only crops depend on the focal point; plain resizes are shared whatever it is."""
        return crop_focal_key(image) if self.ratio else ""

    def crop_box(self, width, height, focal_x=0.5, focal_y=0.5):
        """The part of a width × height picture this spec keeps, as (left, top, right, bottom)."""
        if not self.ratio:
            return (0, 0, width, height)
        ratio_w, ratio_h = self.ratio
        if width * ratio_h > height * ratio_w:  # wider than wanted: full height, cut the sides
            crop_w, crop_h = max(1, round(height * ratio_w / ratio_h)), height
        else:
            crop_w, crop_h = width, max(1, round(width * ratio_h / ratio_w))
        left = min(max(round(focal_x * width - crop_w / 2), 0), width - crop_w)
        top = min(max(round(focal_y * height - crop_h / 2), 0), height - crop_h)
        return (left, top, left + crop_w, top + crop_h)

    def output_size(self, width, height):
        """The rendition's size for a width × height original: never larger than what it cuts."""
        left, top, right, bottom = self.crop_box(width, height)
        crop_w, crop_h = right - left, bottom - top
        out_w = min(self.width, crop_w)
        if self.ratio:
            out_h = max(1, round(out_w * self.ratio[1] / self.ratio[0]))
        else:
            out_h = max(1, round(crop_h * out_w / crop_w))
        return out_w, out_h


def srcset_specs(image, ratio=None, widths=SRCSET_WIDTHS):
    """The specs for a srcset: each width the picture can fill, capped at its own width."""
    probe = Spec(max(widths), ratio)
    left, _, right, _ = probe.crop_box(image.width, image.height)
    native = right - left
    chosen = [w for w in widths if w < native]
    chosen.append(min(native, max(widths)))
    return [Spec(w, ratio) for w in sorted(set(chosen))]


# What public pages show of an image: its whole picture and its 16:9 crop (cards), each as a
# srcset, and the 16:9 crop social cards and JSON-LD point to. The task worker makes all of them
# ahead of readers; a template asking for something else gets the nearest of these.
READER_RATIOS = (None, (16, 9))
SHARE_SPEC = "fill-16x9-1200"

# With no rendition of the right shape made yet (the worker has not got to a new upload), a reader
# gets the original itself when a browser shows it and it is small enough to send as it is, and
# no picture otherwise: nobody downloads a 20 MB, 24-megapixel photo to see a card.
ORIGINAL_FORMATS_FOR_READERS = {"JPEG", "PNG", "GIF", "WEBP"}
ORIGINAL_MAX_BYTES_FOR_READERS = 1_000_000
ORIGINAL_MAX_PIXELS_FOR_READERS = 4_000_000


def reader_specs(image):
    """Every rendition spec pages and feeds show of ``image`` (each made in WebP and JPEG)."""
    specs = [spec for ratio in READER_RATIOS for spec in srcset_specs(image, ratio)]
    return list(dict.fromkeys([*specs, Spec.parse(SHARE_SPEC)]))


def original_fits_readers(image):
    """True when the original may stand in for renditions not made yet (see the limits above)."""
    return (
        image.format in ORIGINAL_FORMATS_FOR_READERS
        and image.byte_size <= ORIGINAL_MAX_BYTES_FOR_READERS
        and image.width * image.height <= ORIGINAL_MAX_PIXELS_FOR_READERS
    )


def nearest_renditions(image, specs, formats=("webp", "jpeg")):
    """{(spec string, format): Rendition or None} for every spec and format, from the renditions
    already loaded: never makes one, never queries when they are prefetched.

    The rendition asked for when it exists; else the one of the same shape and format nearest in
    width (for a crop, one cut for the current focal point first, then one cut for an earlier focal
    point: what readers saw before it moved, until the worker has made the new ones); else None."""
    memo = _memo(image)
    found = {}
    for spec in (Spec.parse(s) if isinstance(s, str) else s for s in specs):
        for fmt in formats:
            rendition = memo.get((str(spec), fmt, spec.focal_key(image)))
            found[(str(spec), fmt)] = rendition or _nearest(image, spec, fmt)
    return found


def get_renditions(image, specs, formats=("webp", "jpeg")):
    """{(spec string, format): Rendition} for every spec and format, making what is missing: for the
    task worker and the admin's previews, never for a reader's page (``nearest_renditions``).

    Reads the prefetched renditions when there are any (one query per image otherwise); the
    picture is decoded once for all the missing ones."""
    memo = _memo(image)
    wanted = [(Spec.parse(s) if isinstance(s, str) else s, fmt) for s in specs for fmt in formats]
    make_missing_renditions(image, wanted)
    return {(str(spec), fmt): memo[(str(spec), fmt, spec.focal_key(image))] for spec, fmt in wanted}


def get_rendition(image, spec, fmt="jpeg"):
    return get_renditions(image, [spec], [fmt])[(str(Spec.parse(spec) if isinstance(spec, str) else spec), fmt)]


def make_missing_renditions(image, wanted):
    """Make each of ``wanted`` [(Spec, format)] that does not exist yet; returns those made (none
    when all exist, so running it twice makes nothing twice)."""
    memo = _memo(image)
    missing = [(spec, fmt) for spec, fmt in wanted if (str(spec), fmt, spec.focal_key(image)) not in memo]
    if not missing:
        return []
    made = _generate(image, list(dict.fromkeys(missing)))
    for rendition in made:
        memo[(rendition.spec, rendition.format, rendition.focal_key)] = rendition
    image.__dict__.pop("_renditions_by_shape", None)  # rebuilt from the memo when next needed
    return made


def remove_stale_crops(image):
    """Delete the crops cut for a focal point the image no longer has (their files go once the
    deletion commits, ``signals``): call it once the crops for the current one exist, as until then
    pages show the old ones. Returns how many were deleted."""
    current = Image.objects.filter(pk=image.pk).values("focal_x", "focal_y").first()
    if current is None or crop_focal_key(Image(**current)) != crop_focal_key(image):
        return 0  # deleted, or moved again meanwhile: the task queued by that move tidies up
    stale = Rendition.objects.filter(image=image).exclude(focal_key="").exclude(focal_key=crop_focal_key(image))
    deleted, _ = stale.delete()
    _forget_loaded(image)
    return deleted


def render_bytes(original, specs_and_formats, focal=(0.5, 0.5)):
    """Pure image work, no storage or database: [(spec, fmt, bytes, width, height)].

    `original` is a binary file object. A JPEG is decoded straight at the smallest scale that
    still covers the largest output (libjpeg's draft mode), which keeps a 24-megapixel photo's
    memory and time down."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        with PILImage.open(original) as source:
            full_w, full_h = source.size
            scale_needed = max(_scale_needed(spec, full_w, full_h) for spec, _ in specs_and_formats)
            source.draft("RGB", (max(1, round(full_w * scale_needed)), max(1, round(full_h * scale_needed))))
            picture = source.convert("RGBA" if _has_alpha(source) else "RGB")
    draft_scale = picture.width / full_w
    resized_by_spec = {}  # WebP and JPEG of one spec share the resize, the costly part
    results = []
    for spec, fmt in specs_and_formats:
        out_size = spec.output_size(full_w, full_h)
        if spec not in resized_by_spec:
            box = [edge * draft_scale for edge in spec.crop_box(full_w, full_h, *focal)]
            resized_by_spec[spec] = picture.resize(out_size, PILImage.Resampling.LANCZOS, box=box, reducing_gap=2.0)
        resized = resized_by_spec[spec]
        pil_format, _, _, options = FORMATS[fmt]
        if pil_format == "JPEG" and resized.mode == "RGBA":
            resized = _flatten(resized)
        buffer = io.BytesIO()
        resized.save(buffer, pil_format, **options)
        results.append((spec, fmt, buffer.getvalue(), *out_size))
    return results


def _scale_needed(spec, width, height):
    left, _, right, _ = spec.crop_box(width, height)
    out_w, _ = spec.output_size(width, height)
    return out_w / (right - left)


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _flatten(image):
    background = PILImage.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _memo(image):
    """This image's renditions by (spec, format, focal key): from the prefetch cache when present."""
    if not hasattr(image, "_rendition_memo"):
        image._rendition_memo = {(r.spec, r.format, r.focal_key): r for r in image.renditions.all()}
    return image._rendition_memo


def _forget_loaded(image):
    """Drop what this instance remembers of its renditions: the next lookup reads them again."""
    for name in ("_rendition_memo", "_renditions_by_shape"):
        image.__dict__.pop(name, None)
    getattr(image, "_prefetched_objects_cache", {}).pop("renditions", None)


def _nearest(image, spec, fmt):
    """The loaded rendition of ``spec``'s shape and ``fmt`` nearest to its width (the larger on a
    tie), preferring crops cut for the image's current focal point; None when there is none."""
    if not hasattr(image, "_renditions_by_shape"):
        by_shape = defaultdict(list)
        for (spec_text, rendition_format, _), rendition in _memo(image).items():
            try:
                by_shape[(Spec.parse(spec_text).ratio, rendition_format)].append(rendition)
            except ValueError:
                continue  # a spec this version no longer understands: never shown
        image._renditions_by_shape = by_shape
    candidates = image._renditions_by_shape.get((spec.ratio, fmt), [])
    current = [rendition for rendition in candidates if rendition.focal_key == spec.focal_key(image)]
    candidates = current or candidates
    if not candidates:
        return None
    width, _ = spec.output_size(image.width, image.height)
    return min(candidates, key=lambda rendition: (abs(rendition.width - width), -rendition.width))


def _generate(image, missing):
    storage = image.file.storage
    with storage.open(image.file.name, "rb") as original:
        made = render_bytes(original, missing, focal=(image.focal_x, image.focal_y))
    return [_store(image, spec, fmt, data, width, height) for spec, fmt, data, width, height in made]


def _store(image, spec, fmt, data, width, height):
    """Save one rendition; when another worker saved the same one first, use theirs."""
    focal_key = spec.focal_key(image)
    focal_tag = "-f" + focal_key.replace(",", "-") if focal_key else ""
    name = f"{image.pk}/{image.content_hash[:8]}-{spec}{focal_tag}.{FORMATS[fmt][2]}"
    rendition = Rendition(
        image=image, spec=str(spec), format=fmt, focal_key=focal_key, width=width, height=height, byte_size=len(data)
    )
    rendition.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        winner = Rendition.objects.filter(image=image, spec=str(spec), format=fmt, focal_key=focal_key).first()
        # Object storage may have overwritten the same key: then the file is the winner's too.
        if winner is None or rendition.file.name != winner.file.name:
            rendition.file.delete(save=False)
        if winner is None:
            raise  # no winner: the image itself was deleted meanwhile
        return winner
    except BaseException:
        rendition.file.delete(save=False)
        raise
    logger.info("rendition created", extra={"image": image.pk, "spec": str(spec), "format": fmt})
    return rendition
