"""Signing in to the admin through real login POSTs: failures locked out per account and address
(in the database), the client's address behind our proxies, and optional two-factor sign-in with
real TOTP codes computed from the secret the page shows."""

import logging
import re
from base64 import b32decode
from datetime import timedelta

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.core.clients import client_address
from tests.conftest import PASSWORD, totp_code
from tests.syndication.conftest import make_partner

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
CODE = "/admin/login/code/"
TWO_FACTOR = "/admin/two-factor/"


def sign_in(client, username, password=PASSWORD, address="198.51.100.7", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **extra
    )


def signed_in_as(client):
    response = client.get("/admin/")
    return response.context["user"].get_username() if response.status_code == 200 else None


def allow_next_code_now(device):
    """A wrong code makes the device refuse codes for a second or more: move that second into the past."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=1))


def with_device(user):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


# Throttling ------------------------------------------------------------------------------------


def test_wrong_passwords_lock_out_that_account_from_that_address_only(client, editor, writer):
    for _ in range(4):
        response = sign_in(client, editor.username, "wrong password")
        assert response.status_code == 200 and "Please enter the correct username and password" in response.text
    locked = sign_in(client, editor.username, "wrong password")  # the fifth failure
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.text and "Try again in 15 minutes" in locked.text
    assert locked["Retry-After"] == "900"
    # Now even the right password is refused from that address…
    assert sign_in(client, editor.username).status_code == 429
    assert signed_in_as(client) is None
    # …while another account signs in from it, and the account signs in from elsewhere.
    assert sign_in(Client(), writer.username).status_code == 302
    elsewhere = Client()
    assert sign_in(elsewhere, editor.username, address="192.0.2.50").status_code == 302
    assert signed_in_as(elsewhere) == editor.username


def test_the_lockout_is_kept_in_the_database_not_in_a_process(client, editor):
    for _ in range(5):
        sign_in(client, editor.username, "wrong password")
    assert AccessAttempt.objects.get(username=editor.username).failures_since_start == 5
    cache.clear()  # nothing of it lives in this process's memory
    AxesProxyHandler.implementation = None
    assert sign_in(Client(), editor.username).status_code == 429


def test_spraying_every_name_from_one_address_locks_nobody_out(client, editor, writer, site_admin):
    for _ in range(4):
        for username in (editor.username, writer.username, site_admin.username, "nobody"):
            sign_in(client, username, "wrong password")
    for user in (editor, writer, site_admin):
        assert sign_in(Client(), user.username).status_code == 302


def test_an_account_attacked_from_many_addresses_is_locked_except_where_its_owner_signs_in(editor, settings):
    settings.LOGIN_ACCOUNT_ADDRESS_LIMIT = 10
    home = "198.51.100.99"
    assert sign_in(Client(), editor.username, address=home).status_code == 302  # the owner's own address
    for n in range(1, 10):
        assert sign_in(Client(), editor.username, "guess", address=f"203.0.113.{n}").status_code == 200
    assert sign_in(Client(), editor.username, "guess", address="203.0.113.10").status_code == 429  # the tenth
    assert sign_in(Client(), editor.username, address="203.0.113.11").status_code == 429  # a new address
    assert sign_in(Client(), editor.username, address=home).status_code == 302


def test_the_lockout_follows_the_client_behind_our_proxy_not_the_proxy(client, editor, settings):
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.2"]
    via_proxy = {"address": "10.0.0.2"}
    for _ in range(5):
        sign_in(client, editor.username, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy)
    assert sign_in(Client(), editor.username, HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy).status_code == 429
    assert sign_in(Client(), editor.username, HTTP_X_FORWARDED_FOR="203.0.113.6", **via_proxy).status_code == 302
    # Not from our proxy, the header is the client's own claim and changes nothing.
    for claimed in ("203.0.113.7", "203.0.113.8"):
        sign_in(client, editor.username, "wrong", address="198.51.100.1", HTTP_X_FORWARDED_FOR=claimed)
    assert AccessAttempt.objects.get(ip_address="198.51.100.1").failures_since_start == 2


@pytest.mark.parametrize(
    "peer, forwarded, trusted, expected",
    [
        ("198.51.100.1", "", ["127.0.0.1"], "198.51.100.1"),
        ("198.51.100.1", "203.0.113.9", ["127.0.0.1"], "198.51.100.1"),  # not our proxy: header ignored
        ("127.0.0.1", "203.0.113.9", ["127.0.0.1"], "203.0.113.9"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.9", ["127.0.0.1"], "203.0.113.9"),  # left of it: the client's claim
        ("10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2", ["10.0.0.0/24"], "203.0.113.9"),  # two proxies
        ("127.0.0.1", "not-an-address", ["127.0.0.1"], "127.0.0.1"),
        ("10.0.0.3", "6.6.6.6, 203.0.113.9", ["*"], "203.0.113.9"),
        ("::1", "2001:db8::5", ["127.0.0.1", "::1"], "2001:db8::5"),
        ("", "203.0.113.9", ["127.0.0.1"], ""),
    ],
)
def test_the_client_address_is_read_from_the_right_of_our_proxies_header(settings, peer, forwarded, trusted, expected):
    settings.FORWARDED_ALLOW_IPS = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_partner_api_is_not_touched_by_sign_in_throttling(client, editor):
    _, key = make_partner().issue_key(name="tests")
    for _ in range(5):
        sign_in(client, editor.username, "wrong", address="127.0.0.1")
    assert sign_in(client, editor.username, address="127.0.0.1").status_code == 429
    assert client.get("/api/v1/sections/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert client.get("/api/v1/sections/", HTTP_AUTHORIZATION="Bearer nrk_wrong_key").status_code == 401
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [editor.username]


def test_sign_ins_and_lockouts_are_logged(client, editor, caplog):
    caplog.set_level(logging.INFO, logger="newsroom.signin")
    sign_in(client, editor.username)
    for _ in range(5):
        sign_in(Client(), editor.username, "wrong", address="203.0.113.20")
    records = [(r.getMessage(), r.user, r.address) for r in caplog.records if r.name == "newsroom.signin"]
    assert records == [
        ("signed in", editor.username, "198.51.100.7"),
        ("sign-in locked out", editor.username, "203.0.113.20"),
    ]


# Two-factor sign-in ----------------------------------------------------------------------------


def test_a_user_turns_on_two_factor_and_then_signs_in_with_a_code(client, editor, django_assert_num_queries):
    assert sign_in(client, editor.username).status_code == 302
    with django_assert_num_queries(5):  # session, user, their device, their permissions (the sidebar)
        page = client.get(TWO_FACTOR)
    assert 'href="/admin/two-factor/">Two-factor sign-in</a>' in page.text
    assert "Two-factor sign-in is off" in page.text

    setup = client.post(TWO_FACTOR, {"action": "start"})
    assert 'src="data:image/svg+xml' in setup.text and "no-store" in setup["Cache-Control"]
    secret = re.search(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', setup.text)[1]
    key = b32decode(secret.replace(" ", ""))
    wrong = client.post(TWO_FACTOR, {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.text
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()
    device = TOTPDevice.objects.get(user=editor)
    allow_next_code_now(device)
    assert device.bin_key == key
    confirmed = client.post(TWO_FACTOR, {"action": "confirm", "code": f"{totp(key):06d}"}, follow=True)
    assert "Two-factor sign-in is on" in confirmed.text
    assert secret not in confirmed.text and secret not in client.get(TWO_FACTOR).text  # shown once
    assert LogEntry.objects.get(user=editor, action_flag=ADDITION).change_message == "Turned on two-factor sign-in."

    client.post("/admin/logout/")
    fresh = Client()
    # The pair's failures and the account's failing addresses, the user and their device; the session (4).
    with django_assert_num_queries(8):
        password_step = sign_in(fresh, editor.username)
    assert password_step.status_code == 302 and password_step["Location"] == CODE
    assert signed_in_as(fresh) is None  # the password alone signs nobody in
    assert "enter the code your authenticator app shows" in fresh.get(CODE).text
    refused = fresh.post(CODE, {"code": totp_code(device, offset=3)}, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 400 and "That code is not right" in refused.text
    assert signed_in_as(fresh) is None
    allow_next_code_now(device)
    code = totp_code(device)
    # Fixed, whoever signs in: the lockout check, the code's verification, axes' sign-in record and
    # clean-up, a new session (24 queries).
    with django_assert_num_queries(24):
        done = fresh.post(CODE, {"code": code}, REMOTE_ADDR="198.51.100.7")
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert signed_in_as(fresh) == editor.username
    assert fresh.session["otp_device_id"] == device.persistent_id


def test_users_without_a_device_still_sign_in_with_the_password(client, editor, writer):
    with_device(writer)
    assert sign_in(client, editor.username)["Location"] == "/admin/"
    assert signed_in_as(client) == editor.username


def test_a_refused_code_is_cleared_so_the_next_one_is_not_typed_after_it(client, editor, writer):
    """A wrong code left in the field would have the next code typed after it (and refused again)."""
    with_device(editor)
    sign_in(client, editor.username)
    refused = client.post(CODE, {"code": "123456"}, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 400 and "That code is not right" in refused.text
    assert "123456" not in refused.text
    setup = Client()
    sign_in(setup, writer.username)  # setting up: the confirming code is refused the same way
    setup.post(TWO_FACTOR, {"action": "start"})
    wrong = setup.post(TWO_FACTOR, {"action": "confirm", "code": "654321"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.text and "654321" not in wrong.text


def test_the_code_step_needs_the_password_step_first_and_expires(client, editor):
    device = with_device(editor)
    assert client.post(CODE, {"code": totp_code(device)})["Location"] == LOGIN
    sign_in(client, editor.username)
    session = client.session
    session["signin_pending"]["at"] -= 301
    session.save()
    assert client.post(CODE, {"code": totp_code(device)})["Location"] == LOGIN
    assert signed_in_as(client) is None


def test_wrong_codes_count_towards_the_lockout(client, editor):
    device = with_device(editor)
    sign_in(client, editor.username)
    for _ in range(4):
        allow_next_code_now(device)
        assert client.post(CODE, {"code": totp_code(device, offset=3)}, REMOTE_ADDR="198.51.100.7").status_code == 400
    allow_next_code_now(device)
    assert client.post(CODE, {"code": totp_code(device, offset=3)}, REMOTE_ADDR="198.51.100.7").status_code == 429
    # Locked: the right password and then the right code are refused as well.
    assert sign_in(Client(), editor.username).status_code == 429


def test_a_code_is_refused_while_the_device_waits_after_a_wrong_one(client, editor):
    device = with_device(editor)
    sign_in(client, editor.username)
    client.post(CODE, {"code": totp_code(device, offset=3)}, REMOTE_ADDR="198.51.100.7")
    too_soon = client.post(CODE, {"code": totp_code(device)}, REMOTE_ADDR="198.51.100.7")
    assert too_soon.status_code == 400 and "Too many wrong codes" in too_soon.text
    assert signed_in_as(client) is None


def test_turning_it_off_takes_the_password_or_a_code(client, editor):
    device = with_device(editor)
    sign_in(client, editor.username)
    client.post(CODE, {"code": totp_code(device)}, REMOTE_ADDR="198.51.100.7")
    refused = client.post(TWO_FACTOR, {"action": "off", "secret": "not my password"})
    assert refused.status_code == 400 and "neither your password nor a current code" in refused.text
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    done = client.post(TWO_FACTOR, {"action": "off", "secret": PASSWORD}, follow=True)
    assert "Two-factor sign-in is off" in done.text and not TOTPDevice.objects.exists()
    assert LogEntry.objects.get(user=editor, action_flag=DELETION).change_message == "Turned off two-factor sign-in."

    device = with_device(editor)
    client.post(TWO_FACTOR, {"action": "off", "secret": totp_code(device)})
    assert not TOTPDevice.objects.exists()


def test_site_admins_see_who_has_two_factor_and_remove_a_lost_device(editor, writer, site_admin, caplog):
    lost = with_device(editor)
    admin = Client()
    sign_in(admin, site_admin.username)
    listing = admin.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and editor.username in listing.text and writer.username not in listing.text
    # In the newsroom's words, not the library's ("Select TOTP device to view", "Confirmed").
    assert "<h1>Who has two-factor sign-in</h1>" in listing.text
    headings = re.findall(r'<th scope="col" class="[^"]*column-\w+[^"]*">.*?<a [^>]*>([^<]+)</a>', listing.text, re.S)
    assert headings == ["Account", "Device", "Turned on", "Since", "Last used"]
    detail = admin.get(f"/admin/otp_totp/totpdevice/{lost.pk}/change/")
    assert lost.key not in detail.text and "Save" not in detail.text  # nobody sees another's secret
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 403

    writers_view = Client()
    sign_in(writers_view, writer.username)
    assert writers_view.get("/admin/otp_totp/totpdevice/").status_code == 403

    caplog.set_level(logging.INFO, logger="newsroom.signin")
    removed = admin.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302 and not TOTPDevice.objects.exists()
    assert LogEntry.objects.get(action_flag=DELETION).user == site_admin
    [record] = [r for r in caplog.records if r.getMessage() == "two-factor sign-in turned off"]
    assert (record.user, record.by) == (editor.username, site_admin.username)
    # Its owner signs in with the password alone again.
    assert sign_in(Client(), editor.username)["Location"] == "/admin/"
