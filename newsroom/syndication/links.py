"""Stable URIs and small text helpers shared by the JSON and ninjs representations."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.encoding import filepath_to_uri

from newsroom.core.site import absolute_url


def api_uri(path):
    return f"{settings.SITE_URL}/api/v1/{path}"


def article_uri_for_id(article_id):
    return api_uri(f"articles/{article_id}/")


def article_uri(article):
    return article_uri_for_id(article.pk)


def web_url(article):
    return absolute_url(article.get_absolute_url())


def section_uri(section):
    return api_uri(f"sections/{section.slug}/")


def tag_uri(tag):
    return api_uri(f"tags/{tag.slug}/")


def vehicle_model_uri(vehicle_model):
    return api_uri(f"vehicle-models/{vehicle_model.pk}/")


def image_uri(image):
    return absolute_url(image.file.url)


def media_urls(storage):
    """A function from a stored file's name to its absolute URL, for the many files of one storage:
    the storage (a lazy object) and its prefix are looked up once."""
    if isinstance(storage, FileSystemStorage):
        # A local file's URL is the storage's prefix and the name: skip urljoin for each file.
        prefix = absolute_url(storage.base_url)
        return lambda name: prefix + filepath_to_uri(name).lstrip("/")
    return lambda name: absolute_url(storage.url(name))


def byline(article):
    names = [line.author.name for line in article.byline_list]
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""
