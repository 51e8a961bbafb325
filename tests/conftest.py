"""Fixtures shared by every test folder: users in each role, and the demo content."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal
from django_otp.oath import TOTP, totp

from newsroom.core.roles import EDITOR, SITE_ADMIN, WRITER

PASSWORD = "correct horse battery staple"


def pytest_terminal_summary(terminalreporter):
    """Browser tests skipped for want of Chromium or axe-core were easy to miss among pytest's skip
    reasons: say so at the very end, with the command that installs them. (Here, not in
    tests/browser/conftest.py: with pytest-xdist only this conftest is loaded where the summary is.)"""
    reasons = {
        str(report.longrepr[2]).removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if report.nodeid.startswith("tests/browser/") and isinstance(report.longrepr, tuple)
    }
    missing = sorted(reason for reason in reasons if "not installed" in reason)
    if not missing:
        return
    terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
    for reason in missing:
        terminalreporter.write_line(f"  {reason}", red=True, bold=True)
    terminalreporter.write_line(
        "  Install them with `make browser-deps` (as root it also installs Chromium; otherwise first "
        "`sudo apt-get install chromium`), then run `make test` again.",
        red=True,
        bold=True,
    )
    terminalreporter.write_sep("!", red=True, bold=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a password by design; the suite creates hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def totp_code(device, *, offset=0):
    """The code a user's authenticator app shows now for ``device`` (django-otp's own totp()). A
    code is accepted once, so after one was used this is the next time step's, which the device
    still accepts; ``offset`` steps further on gives a code it refuses."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    ahead = max(0, device.last_t + 1 - now) + offset
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead):06d}"


@pytest.fixture(autouse=True)
def roles_exist(request):
    """Content types, permissions and the roles' groups, in every transactional test, as after any
    migrate. The flush after a transactional test with a serialized rollback sends no post_migrate,
    so a test that follows may find none of them; sending it (all get-or-create) once the test's
    database is set up restores what a migrated database always has."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")) and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    if not Group.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


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
    from demo.content import load_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    return load_demo()
