"""Responsive images for templates.

    {% load images %}
    {% responsive_image article.lead_image sizes="(min-width: 60rem) 60rem, 100vw" crop="16x9" %}
    <meta property="og:image" content="{% image_url article.lead_image "fill-16x9-1200" %}">

`responsive_image` renders a <picture>: WebP for browsers that take it, a JPEG <img> for the rest,
each with a srcset so a phone downloads a phone-sized file, and width/height so the page does
not shift while the image loads. Show many images with their renditions prefetched
(`prefetch_related("renditions")`) and the page runs a fixed number of queries.
"""

import logging

from django import template
from django.core.files.storage import FileSystemStorage
from django.utils.encoding import filepath_to_uri
from django.utils.html import format_html

from newsroom.core.site import absolute_url
from newsroom.media.checks import alt_for
from newsroom.media.renditions import (
    RENDER_ERRORS,
    SRCSET_WIDTHS,
    Spec,
    get_rendition,
    get_renditions,
    srcset_specs,
)

register = template.Library()
logger = logging.getLogger(__name__)


def parse_crop(crop):
    """'16x9' -> (16, 9); '' or None -> None (keep the whole picture)."""
    if not crop:
        return None
    return Spec.parse(f"fill-{crop}-1").ratio


def parse_widths(widths):
    """'320 640' -> (320, 640): only widths the renditions offer, so a template cannot ask for new sizes."""
    words = str(widths).split()
    chosen = tuple(sorted({int(word) for word in words if word.isdigit()}))
    if not chosen or len(chosen) != len(set(words)) or not set(chosen) <= set(SRCSET_WIDTHS):
        raise template.TemplateSyntaxError(f"responsive_image: widths must be some of {SRCSET_WIDTHS}.")
    return chosen


@register.simple_tag
def responsive_image(image, sizes="100vw", crop=None, loading="lazy", fetchpriority=None, widths=None, **attributes):
    """A <picture> with WebP and JPEG srcsets; `class` is passed on to the <img>. ``widths`` ("320 640")
    narrows the srcset to what the slot can use (a card never needs a 1600 px file); by default
    every width the renditions offer."""
    if image is None:
        return ""
    if loading not in ("lazy", "eager"):
        raise template.TemplateSyntaxError("responsive_image: loading must be 'lazy' or 'eager'.")
    specs = srcset_specs(image, parse_crop(crop), *([parse_widths(widths)] if widths else []))
    try:
        renditions = get_renditions(image, specs)
    except RENDER_ERRORS:
        logger.exception("renditions could not be made", extra={"image": image.pk})
        return ""
    jpegs = [renditions[(str(spec), "jpeg")] for spec in specs]
    webps = [renditions[(str(spec), "webp")] for spec in specs]
    # The fallback src (browsers without srcset): the largest of those up to 1024 px.
    fallback = [r for r in jpegs if r.width <= 1024][-1]
    # Built here rather than from a template: a page of cards has dozens of pictures, and a
    # template render per picture cost more than everything else this tag does. (The newline
    # ends it as the template file's last line did.)
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}"><img src="{}" srcset="{}" sizes="{}"'
        ' width="{}" height="{}" alt="{}" loading="{}" decoding="async"{}{}></picture>\n',
        _srcset(webps),
        sizes,
        _file_urls([fallback])[0],
        _srcset(jpegs),
        sizes,
        fallback.width,
        fallback.height,
        alt_for(image),
        loading,
        format_html(' fetchpriority="{}"', fetchpriority) if fetchpriority else "",
        format_html(' class="{}"', attributes["class"]) if attributes.get("class") else "",
    )


@register.simple_tag
def image_url(image, spec, fmt="jpeg"):
    """The absolute URL of one rendition (e.g. for og:image); empty when there is no image."""
    if image is None:
        return ""
    try:
        return absolute_url(get_rendition(image, spec, fmt).file.url)
    except RENDER_ERRORS:
        logger.exception("rendition could not be made", extra={"image": image.pk, "spec": spec})
        return ""


def _file_urls(renditions):
    """The renditions' ``file.url``. A local file's URL is the storage's prefix and the name: what
    FileSystemStorage.url makes with urljoin, which cost more than the rest of a srcset entry."""
    files = [rendition.file for rendition in renditions]
    storage = files[0].storage if files else None  # one field, one storage
    if not isinstance(storage, FileSystemStorage):
        return [file.url for file in files]
    prefix = storage.base_url
    return [prefix + filepath_to_uri(file.name).lstrip("/") if file.name else file.url for file in files]


def _srcset(renditions):
    return ", ".join(
        f"{url} {rendition.width}w" for url, rendition in zip(_file_urls(renditions), renditions, strict=True)
    )
