"""Two-factor sign-in for staff (TOTP, django-otp): optional, turned on by each user for themself.

A user has it on when they have a confirmed device; then the admin sign-in asks for a code
after the password (newsroom.core.signin). Setting up shows the secret (as a QR code and as
text) until the user confirms it with a code; after that it is never shown again. Turning it
off takes the password or a current code; a site admin can remove a lost device from the admin.
Every change is written to the admin's history (LogEntry, "Recent actions") and the log.
"""

import logging
from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth import authenticate
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger("newsroom.signin")


def confirmed_device(user):
    """The device a user signs in with, or None: whether the sign-in asks this user for a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def check_code(user, device, code):
    """Whether ``code`` is the device's current code. A code is accepted once, and wrong codes make
    the device wait longer and longer before it accepts another try (django-otp's throttling)."""
    return verify_token(user, device.persistent_id, code) is not None


def wait_before_next_code(device):
    """True while the device refuses codes after recent wrong ones."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


def remove_devices(devices, acting_user, why):
    """Delete devices, turning two-factor sign-in off for their owners, and log who did it."""
    devices = list(devices)
    for device in devices:
        logger.warning(
            "two-factor sign-in turned off",
            extra={"user": device.user.get_username(), "by": acting_user.get_username(), "why": why},
        )
    TOTPDevice.objects.filter(pk__in=[device.pk for device in devices]).delete()


def qr_code(device):
    """The otpauth:// address as an SVG data: URI (the CSP allows data: images; no Pillow)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def readable_secret(device):
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class CodeInput(forms.TextInput):
    """Never shows a code again: a refused one left in the field would have the next code typed
    after it (and refused in turn), and a code is of no use twice anyway."""

    def format_value(self, value):
        return None


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        super().__init__(label="Code", max_length=10, widget=CodeInput(attrs=attrs), **kwargs)

    def clean(self, value):
        value = "".join(super().clean(value).split())
        if not (value.isdigit() and 6 <= len(value) <= 8):
            raise forms.ValidationError("Enter the 6-digit code your authenticator app shows.")
        return value


class CodeForm(forms.Form):
    code = CodeField()


class TurnOffForm(forms.Form):
    secret = forms.CharField(
        label="Your password, or a current code",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def settings_view(site, request):
    """The "Two-factor sign-in" page: turn it on (scan, then confirm with a code) or off."""
    user = request.user
    device = confirmed_device(user)
    action = request.POST.get("action") if request.method == "POST" else None
    context = {**site.each_context(request), "title": "Two-factor sign-in", "device": device}

    if action == "start" and device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()  # an earlier, unfinished setup
        pending = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        return _setup_page(request, context, pending, CodeForm())

    if action == "confirm" and device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is None:
            return HttpResponseRedirect(request.path)
        form = CodeForm(request.POST)
        if form.is_valid() and check_code(user, pending, form.cleaned_data["code"]):
            TOTPDevice.objects.filter(pk=pending.pk).update(confirmed=True)
            pending.confirmed = True
            otp_login(request, pending)  # this session has just proven the second factor
            LogEntry.objects.log_actions(user.pk, [pending], ADDITION, change_message="Turned on two-factor sign-in.")
            logger.info("two-factor sign-in turned on", extra={"user": user.get_username()})
            messages.success(request, "Two-factor sign-in is on: from now on the sign-in asks for a code.")
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            form.add_error("code", wrong_code_message(pending))
        return _setup_page(request, context, pending, form)

    if action == "off" and device is not None:
        form = TurnOffForm(request.POST)
        if form.is_valid() and _proves_identity(request, device, form.cleaned_data["secret"]):
            LogEntry.objects.log_actions(user.pk, [device], DELETION, change_message="Turned off two-factor sign-in.")
            remove_devices([device], user, "Turned off by its owner.")
            messages.success(request, "Two-factor sign-in is off: the sign-in asks only for your password.")
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            form.add_error("secret", "That is neither your password nor a current code.")
        return TemplateResponse(request, "admin/two_factor.html", {**context, "off_form": form}, status=400)

    return TemplateResponse(request, "admin/two_factor.html", {**context, "off_form": TurnOffForm()})


def _setup_page(request, context, pending, form):
    context = {
        **context,
        "pending": pending,
        "qr_code": qr_code(pending),
        "secret": readable_secret(pending),
        "form": form,
    }
    # No cache keeps the secret: admin_view marks every admin page no-store.
    return TemplateResponse(request, "admin/two_factor.html", context, status=400 if form.errors else 200)


def wrong_code_message(device):
    if wait_before_next_code(device):
        return "Too many wrong codes: wait a few seconds, then enter the newest code."
    return "That code is not right. Check the time on your phone and enter the newest code."


def _proves_identity(request, device, secret):
    value = "".join(secret.split())
    if value.isdigit() and 6 <= len(value) <= 8:
        return check_code(request.user, device, value)
    # Through authenticate(), so wrong passwords here count towards the sign-in lockout too.
    return authenticate(request, username=request.user.get_username(), password=secret) is not None
