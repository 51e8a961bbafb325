"""Stable URIs and small text helpers shared by the JSON and ninjs representations."""

import html
import re

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.encoding import filepath_to_uri
from django.utils.html import strip_tags

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption|tr)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def absolute(path):
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL + path


def api_uri(path):
    return f"{settings.SITE_URL}/api/v1/{path}"


def article_uri_for_id(article_id):
    return api_uri(f"articles/{article_id}/")


def article_uri(article):
    return article_uri_for_id(article.pk)


def web_url(article):
    return absolute(article.get_absolute_url())


def section_uri(section):
    return api_uri(f"sections/{section.slug}/")


def tag_uri(tag):
    return api_uri(f"tags/{tag.slug}/")


def vehicle_model_uri(vehicle_model):
    return api_uri(f"vehicle-models/{vehicle_model.pk}/")


def image_uri(image):
    return absolute(image.file.url)


def media_url(file):
    storage = file.storage
    if isinstance(storage, FileSystemStorage) and file.name:
        # A local file's URL is the storage's prefix and the name: skip urljoin for each of a page's files.
        return absolute(storage.base_url + filepath_to_uri(file.name).lstrip("/"))
    return absolute(file.url)


def version_time(article):
    """When readers were last told the article changed: the last update or correction, else go-live."""
    return max(filter(None, (article.publish_at, article.last_published_at)))


def byline(article):
    names = [line.author.name for line in article.bylines.all()]
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


def plain_text(body_html):
    """The body as plain text: paragraphs on their own lines, entities decoded."""
    text = _BLOCK_END.sub("\n\n", body_html or "")
    text = html.unescape(strip_tags(text))
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()
