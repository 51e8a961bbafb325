"""Signing in to the admin: the password, then a code for users with two-factor sign-in on,
and a limit on failures (django-axes, counted in the database so every process sees them).

The limit: LOGIN_FAILURE_LIMIT (AXES_FAILURE_LIMIT) failures for one account from one address
lock that account from that address for the cool-off (AXES_COOLOFF_TIME), so spraying every
editor's name from one address locks none of them out anywhere else. One account attacked from
many addresses would get that many tries from each, so once failures for an account come from
LOGIN_ACCOUNT_ADDRESS_LIMIT different addresses within the cool-off, it is locked from every
address it has not signed in from before: its owner's usual addresses keep working.

A user with two-factor sign-in on is not signed in until the code is right: the password step
only remembers, in the session, who passed it (for a few minutes), and a wrong code counts as a
failed sign-in like a wrong password.
"""

import logging
import time
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from newsroom.core import two_factor
from newsroom.core.clients import client_address

logger = logging.getLogger("newsroom.signin")

PENDING_SESSION_KEY = "signin_pending"
CODE_STEP_SECONDS = 300  # the time between the password and the code
KNOWN_ADDRESS_DAYS = 30  # an address the account signed in from this recently is its owner's


class LoginAttempts(AxesDatabaseHandler):
    """Axes' database handler plus the brake for one account attacked from many addresses."""

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures < limit and self._attacked_from_many_addresses(request, credentials):
            return limit
        return failures

    def _attacked_from_many_addresses(self, request, credentials):
        username = get_client_username(request, credentials)
        many = settings.LOGIN_ACCOUNT_ADDRESS_LIMIT
        if not username or not many:
            return False
        recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=get_cool_off_threshold(request))
        if recent.values("ip_address").distinct().count() < many:
            return False
        since = request.axes_attempt_time - timedelta(days=KNOWN_ADDRESS_DAYS)
        known = AccessLog.objects.filter(username=username, ip_address=request.axes_ip_address, attempt_time__gte=since)
        return not known.exists()


def locked_out(request, original_response=None, credentials=None):
    """The page for a sign-in refused after too many failures (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60))
    request.session.pop(PENDING_SESSION_KEY, None)
    context = {
        **admin.site.each_context(request),
        "title": "Too many sign-in attempts",
        "minutes": minutes,
    }
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    add_never_cache_headers(response)
    return response.render()


class PasswordStep(LoginView):
    """The admin's login view, except that a user with two-factor sign-in on is not signed in
    yet: the code step comes next."""

    def form_valid(self, form):
        user = form.get_user()
        self.request.session.pop(PENDING_SESSION_KEY, None)  # an earlier half-finished sign-in
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING_SESSION_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return HttpResponseRedirect(reverse("admin:login_code", current_app=self.request.current_app))


def _pending_user(request):
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["at"] > CODE_STEP_SECONDS:
        return None, None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True, is_staff=True).first()
    return user, pending


def code_step(site, request):
    """Ask for the code after the password; sign in when it is right."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_SESSION_KEY, None)
        return HttpResponseRedirect(reverse("admin:login", current_app=site.name))
    device = two_factor.confirmed_device(user)
    if device is None:  # turned off by a site admin meanwhile: the password was enough
        return _sign_in(request, user, pending)
    form = two_factor.CodeForm(request.POST or None)
    if request.method == "POST":
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return locked_out(request, None, credentials)
        if form.is_valid():
            if two_factor.check_code(user, device, form.cleaned_data["code"]):
                user.otp_device = device  # django-otp marks the session verified as it signs in
                return _sign_in(request, user, pending)
            form.add_error("code", two_factor.wrong_code_message(device))
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    context = {
        **site.each_context(request),
        "title": "Enter your code",
        "form": form,
        "username": user.get_username(),
        REDIRECT_FIELD_NAME: pending["next"],
    }
    response = TemplateResponse(request, "admin/login_code.html", context, status=400 if form.errors else 200)
    add_never_cache_headers(response)
    return response


def _sign_in(request, user, pending):
    del request.session[PENDING_SESSION_KEY]
    auth_login(request, user, backend=pending["backend"])
    return HttpResponseRedirect(pending["next"])


def log_sign_in(sender, request, user, **kwargs):
    logger.info(
        "signed in",
        extra={
            "user": user.get_username(),
            "address": client_address(request),
            "two_factor": getattr(user, "otp_device", None) is not None,
        },
    )


def log_lockout(sender, request, username, ip_address, **kwargs):
    logger.warning("sign-in locked out", extra={"user": username, "address": ip_address})
