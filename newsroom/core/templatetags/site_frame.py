"""``{% site_frame "header" %}``: a part of the frame every public page shares (``base.html``)
that is the same on every page: the style sheet and feed links ("head"), the masthead with the
search form ("header"), the footer ("footer"), each written in ``templates/frame/<part>.html``.

Rendered once per process for each site name, static URL, script prefix and URLconf, what the
parts show: they were a fifth of an uncached page's template time (a static file's URL, seven
reversed URLs, the site's name five times), all the same on every request. The site's name is the
page's own (``SITE_NAME`` from the context processor, none on the bare 500 page), as before. A
change of settings (tests) renders them afresh."""

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def site_frame(context, part):
    return _rendered(part, context.get("SITE_NAME"), settings.STATIC_URL, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=64)
def _rendered(part, site_name, static_url, prefix, urlconf):
    """``static_url``, ``prefix`` and ``urlconf`` are part of the key only: the URLs depend on them."""
    context = {} if site_name is None else {"SITE_NAME": site_name}
    return mark_safe(render_to_string(f"frame/{part}.html", context))  # noqa: S308 - rendered from a template


def _forget(**kwargs):
    _rendered.cache_clear()


setting_changed.connect(_forget, dispatch_uid="newsroom.core.templatetags.site_frame")
