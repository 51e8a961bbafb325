"""``{% fixed_url 'articles:section' slug %}``: Django's ``{% url %}`` (same arguments, ``as var``
too), reversed once per process for each set of arguments.

Reversing a URL walks the URLconf's patterns: about 0.1 ms each, and the frame every public page
shares (``base.html``: its links, feeds and the navigation's sections) reversed twenty of them per
request, more than half of an article page's template time. The URLconf does not change while a
process runs, so the answer for the same name, arguments, script prefix, URLconf and current app
is the same every time."""

import functools

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as url_tag
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _reversed(view_name, args, kwargs, current_app, prefix, urlconf):
    """The path, or None where ``{% url %}`` would raise NoReverseMatch. ``prefix`` is part of the
    key only: ``reverse`` reads the thread's script prefix itself."""
    try:
        return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _reversing_for(context):
    """(current app, script prefix, URLconf) of this rendering: what else ``reverse`` reads, found
    once per template rendered rather than at each URL."""
    found = context.render_context.get(_reversing_for)
    if found is None:
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        found = context.render_context[_reversing_for] = (current_app, get_script_prefix(), get_urlconf())
    return found


class FixedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = (
            tuple(sorted((name, value.resolve(context)) for name, value in self.kwargs.items())) if self.kwargs else ()
        )
        url = _reversed(self.view_name.resolve(context), args, kwargs, *_reversing_for(context))
        if url is None:
            if self.asvar is None:
                raise NoReverseMatch(f"Reverse for {self.view_name.resolve(context)!r} not found.")
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def fixed_url(parser, token):
    node = url_tag(parser, token)
    return FixedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
