"""Resized and cropped copies of images, made once on first use and reused from then on.

A spec names what is wanted: ``width-640`` (that width, the whole picture) or
``fill-16x9-1200`` (a 16:9 crop around the focal point, 1200 px wide). Nothing is ever
upscaled: a spec wider than the picture yields the picture's own width. Each rendition is a row
in the Rendition table and a file on the default storage (local files or S3); crops record the
focal point they were cut for, so moving the focal point makes new crops instead of reusing
stale ones.

To show many images with a fixed number of queries, load them with ``prefetch_related("renditions")``:
every lookup here reads that prefetched list.
"""

import io
import logging
import re
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from newsroom.media.models import Rendition

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
        return f"{image.focal_x:.3f},{image.focal_y:.3f}" if self.ratio else ""

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


def get_renditions(image, specs, formats=("webp", "jpeg")):
    """{(spec string, format): Rendition} for every spec and format, generating what is missing.

    Reads the prefetched renditions when there are any (one query per image otherwise); the
    picture is decoded once for all the missing ones."""
    memo = _memo(image)
    wanted = [(Spec.parse(s) if isinstance(s, str) else s, fmt) for s in specs for fmt in formats]
    missing = [(spec, fmt) for spec, fmt in wanted if (str(spec), fmt, spec.focal_key(image)) not in memo]
    if missing:
        for rendition in _generate(image, missing):
            memo[(rendition.spec, rendition.format, rendition.focal_key)] = rendition
    return {(str(spec), fmt): memo[(str(spec), fmt, spec.focal_key(image))] for spec, fmt in wanted}


def get_rendition(image, spec, fmt="jpeg"):
    return get_renditions(image, [spec], [fmt])[(str(Spec.parse(spec) if isinstance(spec, str) else spec), fmt)]


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


def _generate(image, missing):
    storage = image.file.storage
    with storage.open(image.file.name, "rb") as original:
        made = render_bytes(original, missing, focal=(image.focal_x, image.focal_y))
    return [_store(image, spec, fmt, data, width, height) for spec, fmt, data, width, height in made]


def _store(image, spec, fmt, data, width, height):
    """Save one rendition; when another request saved the same one first, use theirs."""
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
        winner = Rendition.objects.get(image=image, spec=str(spec), format=fmt, focal_key=focal_key)
        # Object storage may have overwritten the same key: then the file is the winner's too.
        if rendition.file.name != winner.file.name:
            rendition.file.delete(save=False)
        return winner
    except BaseException:
        rendition.file.delete(save=False)
        raise
    logger.info("rendition created", extra={"image": image.pk, "spec": str(spec), "format": fmt})
    return rendition
