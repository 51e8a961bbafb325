"""An article's public facts in no format's spelling: what the native JSON (``serializers``) and
ninjs (``ninjs``) representations both show, worked out once. Each format names and arranges them
itself; neither reads the other.

    article_facts(article)   ArticleFacts: its URIs, plain text, byline and public dates
                             (``loading.with_related`` puts them on each article as ``article.facts``)
    renditions(image)        Rendition: the original file, then each rendition made of it
"""

from dataclasses import dataclass
from datetime import datetime

from newsroom.core.text import html_to_text
from newsroom.media import models as media
from newsroom.media.storage import file_urls
from newsroom.syndication import links

IMAGE_CONTENT_TYPES = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
IMAGE_CONTENT_TYPES.update({"gif": "image/gif", "avif": "image/avif"})
IMAGE_STORAGE = media.Image.file.field.storage
RENDITION_STORAGE = media.Rendition.file.field.storage


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    uri: str
    web_url: str
    body_text: str
    byline: str
    first_published_at: datetime
    updated_at: datetime  # the last update or correction readers were told about, else go-live


def article_facts(article):
    """The facts of an article loaded with ``loading.with_related`` (the byline reads its bylines)."""
    return ArticleFacts(
        uri=links.article_uri(article),
        web_url=links.web_url(article),
        body_text=html_to_text(article.body),
        byline=links.byline(article),
        first_published_at=article.first_published,
        updated_at=article.last_updated,
    )


@dataclass(frozen=True, slots=True)
class Rendition:
    name: str
    href: str
    content_type: str
    width: int
    height: int
    size_bytes: int


def image_content_type(name):
    return IMAGE_CONTENT_TYPES.get((name or "").lower(), "application/octet-stream")


def renditions(image):
    """The image's original file, then its renditions oldest first (``image.rendition_rows``, as
    ``loading.with_related`` attaches them)."""
    image_url, rendition_url = file_urls(IMAGE_STORAGE, absolute=True), file_urls(RENDITION_STORAGE, absolute=True)
    original = Rendition(
        name="original",
        href=image_url(image.file.name),
        content_type=image_content_type(image.format),
        width=image.width,
        height=image.height,
        size_bytes=image.byte_size,
    )
    made = [
        Rendition(
            name=f"{row['spec']}.{row['format']}",
            href=rendition_url(row["file"]),
            content_type=image_content_type(row["format"]),
            width=row["width"],
            height=row["height"],
            size_bytes=row["byte_size"],
        )
        for row in image.rendition_rows
    ]
    return [original, *made]
