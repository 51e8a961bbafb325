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
from django.utils.html import format_html

from newsroom.core.site import absolute_url
from newsroom.media.checks import alt_for
from newsroom.media.renditions import (
    RENDER_ERRORS,
    Spec,
    get_rendition,
    get_renditions,
    srcset_specs,
)
from newsroom.media.storage import file_urls

register = template.Library()
logger = logging.getLogger(__name__)


def parse_crop(crop):
    """'16x9' -> (16, 9); '' or None -> None (keep the whole picture)."""
    if not crop:
        return None
    return Spec.parse(f"fill-{crop}-1").ratio


@register.simple_tag
def responsive_image(image, sizes="100vw", crop=None, loading="lazy", fetchpriority=None, **attributes):
    """A <picture> with WebP and JPEG srcsets; `class` is passed on to the <img>."""
    if image is None:
        return ""
    if loading not in ("lazy", "eager"):
        raise template.TemplateSyntaxError("responsive_image: loading must be 'lazy' or 'eager'.")
    specs = srcset_specs(image, parse_crop(crop))
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
    """The renditions' ``file.url``, each made the fast way (``storage.file_urls``)."""
    files = [rendition.file for rendition in renditions]
    if not files:
        return []
    url = file_urls(files[0].storage)  # one field, one storage
    return [url(file.name) if file.name else file.url for file in files]


def _srcset(renditions):
    return ", ".join(
        f"{url} {rendition.width}w" for url, rendition in zip(_file_urls(renditions), renditions, strict=True)
    )
