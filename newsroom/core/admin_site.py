"""The admin site: Django's, with the two-step sign-in (newsroom.core.signin) and each staff
user's "Two-factor sign-in" page (newsroom.core.two_factor)."""

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from newsroom.core import signin, two_factor


class NewsroomAdminSite(AdminSite):
    def get_urls(self):
        return [
            path("login/code/", self.login_code, name="login_code"),
            path("two-factor/", self.admin_view(self.two_factor), name="two_factor"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin login (AdminSite.login) with the password step of our sign-in."""
        redirect_url = LoginView().get_redirect_url(request) or reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_url)
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "next": redirect_url,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return signin.PasswordStep.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    @login_not_required
    def login_code(self, request):
        request.current_app = self.name
        return signin.code_step(self, request)

    def two_factor(self, request):
        return two_factor.settings_view(self, request)
