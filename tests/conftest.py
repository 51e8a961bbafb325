"""Fixtures shared by every test folder: users in each role, and the demo content."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from newsroom.core.roles import EDITOR, SITE_ADMIN, WRITER

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a password by design; the suite creates hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user_in_role(username, role):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def writer(db):
    return _user_in_role("wendy-writer", WRITER)


@pytest.fixture
def other_writer(db):
    return _user_in_role("oscar-writer", WRITER)


@pytest.fixture
def editor(db):
    return _user_in_role("eddie-editor", EDITOR)


@pytest.fixture
def site_admin(db):
    return _user_in_role("sam-admin", SITE_ADMIN)


@pytest.fixture
def demo(db, settings, tmp_path):
    """The demo content, with its image written under a temporary MEDIA_ROOT."""
    from newsroom.core.demo import load_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    return load_demo()
