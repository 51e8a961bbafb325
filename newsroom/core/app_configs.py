"""App configs that INSTALLED_APPS lists in place of third-party defaults (in their own module,
as INSTALLED_APPS loads them before any model exists)."""

from django.contrib.admin.apps import AdminConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class NewsroomAdminConfig(AdminConfig):
    """The admin, with our admin site (two-step sign-in) as its default site."""

    default_site = "newsroom.core.admin_site.NewsroomAdminSite"


class TwoFactorConfig(TOTPConfig):
    """django-otp's TOTP devices, under a name the admin's sidebar can show."""

    verbose_name = "Two-factor sign-in"
