"""Responsive images for templates.

    {% load images %}
    {% responsive_image article.lead_image sizes="(min-width: 60rem) 60rem, 100vw" crop="16x9" %}
    <meta property="og:image" content="{% image_url article.lead_image "fill-16x9-1200" %}">

`responsive_image` renders a <picture>: WebP for browsers that take it, a JPEG <img> for the rest,
each with a srcset so a phone downloads a phone-sized file, and width/height so the page does
not shift while the image loads. Show many images with their renditions prefetched
(`prefetch_related("renditions")`) and the page runs a fixed number of queries.

Neither tag ever makes a rendition (the task worker does, ``newsroom.media.tasks``): each shows the
renditions there are, the nearest width where one is missing (``nearest_renditions``), and before
any exists the original when it is small enough to send as it is (``original_fits_readers``), else
nothing.
"""

from django import template
from django.utils.html import format_html

from newsroom.core.site import absolute_url
from newsroom.media.checks import alt_for
from newsroom.media.renditions import SRCSET_WIDTHS, Spec, nearest_renditions, original_fits_readers, srcset_specs
from newsroom.media.storage import file_urls

register = template.Library()


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
    found = nearest_renditions(image, specs)
    jpegs = _distinct(found[(str(spec), "jpeg")] for spec in specs)
    webps = _distinct(found[(str(spec), "webp")] for spec in specs)
    img_attributes = format_html(
        'alt="{}" loading="{}" decoding="async"{}{}',
        alt_for(image),
        loading,
        format_html(' fetchpriority="{}"', fetchpriority) if fetchpriority else "",
        format_html(' class="{}"', attributes["class"]) if attributes.get("class") else "",
    )
    if not jpegs:
        if not original_fits_readers(image):
            return ""
        return format_html(
            '<img src="{}" width="{}" height="{}" {}>\n', image.file.url, image.width, image.height, img_attributes
        )
    # The fallback src (browsers without srcset): the largest of those up to 1024 px.
    small = [rendition for rendition in jpegs if rendition.width <= 1024]
    fallback = small[-1] if small else jpegs[0]
    # Built here rather than from a template: a page of cards has dozens of pictures, and a
    # template render per picture cost more than everything else this tag does. (The newline
    # ends it as the template file's last line did.)
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" {}></picture>\n',
        format_html('<source type="image/webp" srcset="{}" sizes="{}">', _srcset(webps), sizes) if webps else "",
        _file_urls([fallback])[0],
        _srcset(jpegs),
        sizes,
        fallback.width,
        fallback.height,
        img_attributes,
    )


@register.simple_tag
def image_url(image, spec, fmt="jpeg"):
    """The absolute URL of one rendition (e.g. for og:image), or of the nearest there is (see the
    module's docstring); empty when there is no image or nothing to show of it."""
    if image is None:
        return ""
    rendition = nearest_renditions(image, [spec], [fmt])[(str(Spec.parse(spec)), fmt)]
    if rendition is not None:
        return absolute_url(rendition.file.url)
    return absolute_url(image.file.url) if original_fits_readers(image) else ""


def _distinct(renditions):
    """The renditions found, each once (two widths may share their nearest), narrowest first."""
    unique = {rendition.pk: rendition for rendition in renditions if rendition is not None}
    return sorted(unique.values(), key=lambda rendition: rendition.width)


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
