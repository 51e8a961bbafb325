"""Two-factor sign-in in Chromium, with the site's content security policy in force: the QR code
(a data: SVG) shows, and signing in asks for the code after the password."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import WIDTHS, screenshots
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(page, site, username):
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_an_editor_turns_on_two_factor_and_signs_in_with_a_code(browser, site, editor):
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})  # CSP not bypassed
    page = context.new_page()
    page.set_default_timeout(10_000)
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    try:
        sign_in(page, site, editor.username)
        page.wait_for_url("**/admin/")
        page.get_by_role("link", name="Two-factor sign-in").click()
        page.get_by_role("button", name="Set up two-factor sign-in").click()
        qr_code = page.get_by_alt_text("QR code holding your two-factor secret")
        assert qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
        screenshots(page, "two-factor-setup")
        secret = page.locator("#two-factor-secret").inner_text()
        page.fill("#id_code", f"{totp(b32decode(secret.replace(' ', ''))):06d}")
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        assert "Two-factor sign-in is on" in page.locator(".messagelist").inner_text()

        page.get_by_role("button", name="Log out").click()
        sign_in(page, site, editor.username)
        page.wait_for_url("**/admin/login/code/")
        screenshots(page, "two-factor-code-step")
        page.fill("#id_code", totp_code(TOTPDevice.objects.get(user=editor)))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        assert page.locator("#user-tools").is_visible()
        assert blocked == []
    finally:
        context.close()
