"""Stored files' URLs (``newsroom.media.storage.file_urls``): the one fast path for local files,
used by page srcsets and the API's renditions, gives exactly what the storage's own ``url()`` does."""

import pytest
from django.core.files.storage import FileSystemStorage, InMemoryStorage

from newsroom.core.site import absolute_url
from newsroom.media.storage import file_urls

NAMES = [
    "images/2026/02/camry.jpg",
    "renditions/1/fill-16x9-1200 (copy).webp",
    "images/tōkyō café/ünïcode #1?.png",
    "images/100%/a&b+c;d=e.jpg",
]


@pytest.mark.parametrize("base_url", ["/media/", "https://cdn.example/media/"])
@pytest.mark.parametrize("name", NAMES)
def test_a_local_file_url_is_what_the_storage_makes(tmp_path, settings, base_url, name):
    settings.SITE_URL = "https://news.example"
    storage = FileSystemStorage(location=tmp_path, base_url=base_url)
    assert file_urls(storage)(name) == storage.url(name)
    assert file_urls(storage, absolute=True)(name) == absolute_url(storage.url(name))
    assert file_urls(storage, absolute=True)(name).startswith(("https://news.example/media/", "https://cdn.example/"))


def test_other_storages_make_their_own_urls(settings):
    settings.SITE_URL = "https://news.example"
    storage = InMemoryStorage(base_url="/files/")
    assert file_urls(storage)(NAMES[2]) == storage.url(NAMES[2])
    assert file_urls(storage, absolute=True)(NAMES[2]) == "https://news.example" + storage.url(NAMES[2])
