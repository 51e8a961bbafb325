"""``{% site_navigation %}``: the items of every public page's main navigation (Home, each section,
Vehicles, Latest), from the page's ``nav_sections`` (or the context processor's), marking the page
the reader is on.

Rendered once per process for each set of sections and current page: the navigation was a
template loop with a URL per section on every request (a fifth of an article page's template
time), and its markup changes only with the sections' names and slugs, which are part of the key,
so a renamed section is rendered afresh at once."""

import functools

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf

from articles.models import Section

register = template.Library()


@register.simple_tag(takes_context=True)
def site_navigation(context):
    sections = context.get("nav_sections") or ()
    if callable(sections):  # the context processor's, read only by pages that show it
        sections = sections()
    current = context.get("section")
    current_pk = current.pk if isinstance(current, Section) else None
    request = context.get("request")
    is_home = getattr(request, "path", None) == "/"
    items = tuple((section.slug, section.name, section.pk == current_pk) for section in sections)
    return _rendered(items, is_home, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=256)
def _rendered(sections, is_home, prefix, urlconf):
    """``prefix`` and ``urlconf`` are part of the key only: the URLs in it depend on them."""
    return render_to_string("articles/_navigation.html", {"sections": sections, "is_home": is_home})
