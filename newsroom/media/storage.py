"""Stored files' URLs, for pages and API answers that show many files at once."""

from django.core.files.storage import FileSystemStorage
from django.utils.encoding import filepath_to_uri

from newsroom.core.site import absolute_url


def file_urls(storage, absolute=False):
    """A function from the name of a file in ``storage`` to its URL, as ``storage.url(name)`` gives
    it (with ``absolute``, on the public site: ``absolute_url``), for the many files of one storage:
    the storage (often a lazy object) and its prefix are looked up once.

    A local file's URL is the storage's prefix and the name: what ``FileSystemStorage.url`` makes
    with a urljoin per file, which cost more than the rest of a srcset entry."""
    if isinstance(storage, FileSystemStorage):
        prefix = absolute_url(storage.base_url) if absolute else storage.base_url
        return lambda name: prefix + filepath_to_uri(name).lstrip("/")
    url = storage.url
    return (lambda name: absolute_url(url(name))) if absolute else url
