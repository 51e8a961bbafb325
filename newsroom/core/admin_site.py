"""The admin site: Django's, with the two-step sign-in (newsroom.core.signin), each staff
user's "Two-factor sign-in" page (newsroom.core.two_factor), and the desk's own pages that
higher apps register (``register_page``: the articles' planning calendar)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from newsroom.core import signin, two_factor


@dataclass(frozen=True)
class DeskPage:
    route: str  # under /admin/: "calendar/"
    view: Callable  # view(request), behind the admin's sign-in
    name: str  # the URL's name in the admin namespace: reverse("admin:calendar")
    label: str  # the link in the admin's top bar
    shown_to: Callable  # shown_to(user): whether the link is shown; the view checks for itself


class NoPatternLookups:
    """ModelAdmin mixin: a list's address may not filter by a regular expression (``?headline__regex=(``).
    The admin allows any lookup on a model's own fields, and the pattern would reach the database as
    it is, where an invalid one fails the query; refused, it is a 400 like any lookup not allowed."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.rsplit("__", 1)[-1] in ("regex", "iregex"):
            return False
        return super().lookup_allowed(lookup, value, request)


class NewsroomAdminSite(AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        """Every list of the site, its own and third-party apps' (groups, tasks, sign-in attempts),
        refuses pattern lookups: mixed in here, so no admin added later can forget it."""
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, NoPatternLookups):
            admin_class = type(
                admin_class.__name__, (NoPatternLookups, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._desk_pages = []

    def register_page(self, route, view, *, name, label, shown_to):
        """Add a page of a higher app (which this layer may not import) to the admin, linked from
        the top bar for the users ``shown_to`` says may use it. Call it before the URLs load (an
        app's admin module)."""
        self._desk_pages.append(DeskPage(route, view, name, label, shown_to))

    def get_urls(self):
        return [
            path("login/code/", self.login_code, name="login_code"),
            path("two-factor/", self.admin_view(self.two_factor), name="two_factor"),
            *(path(page.route, self.admin_view(page.view), name=page.name) for page in self._desk_pages),
            *super().get_urls(),
        ]

    def each_context(self, request):
        context = super().each_context(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_active and user.is_staff
        context["desk_pages"] = [
            (page.label, reverse(f"{self.name}:{page.name}", current_app=self.name))
            for page in self._desk_pages
            if signed_in and page.shown_to(user)
        ]
        return context

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
