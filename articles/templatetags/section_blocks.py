"""``{% section_blocks blocks %}``: the home page's section blocks, ``(section, cards)`` pairs
(the cards: stored, safe HTML), each written as ``articles/_section_block.html`` shows it.

The markup around a block's cards is rendered once per process for each section's name and slug
(part of the key, so a renamed section is rendered afresh at once), and the cards are written into
it: as a template loop, the blocks (a URL, the slug twice and the name for each section) were a
third of the home page's template time."""

import functools

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString

register = template.Library()

# Where the cards go in the rendered block: a private-use character, which no name or slug has.
_CARDS = "\ue001cards\ue001"


@register.simple_tag
def section_blocks(blocks):
    parts = []
    for section, cards in blocks:
        before, after = _frame(section.slug, section.name, get_script_prefix(), get_urlconf())
        parts += [before, *cards, after]
    return SafeString("".join(parts))


@functools.lru_cache(maxsize=256)
def _frame(slug, name, prefix, urlconf):
    """The block's markup before and after its cards. ``prefix`` and ``urlconf`` are part of the
    key only: the section's URL depends on them."""
    before, after = render_to_string(
        "articles/_section_block.html", {"section": {"slug": slug, "name": name}, "cards": _CARDS}
    ).split(_CARDS)
    return before, after
