"""Every media test writes under a temporary MEDIA_ROOT, and can list what ended up there."""

import pytest

from tests.media import corpus


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def stored_files(media_root):
    """The files on storage now, as paths relative to MEDIA_ROOT."""

    def list_files():
        return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())

    return list_files


@pytest.fixture
def photo():
    return corpus.photo_bytes()
