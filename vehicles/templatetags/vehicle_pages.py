"""``{% related_article article %}``: one item of a vehicle page's list of the live articles about
the model (``VehicleModel.related_live_articles``), its link and its day.

Rendered once per process for each article as it is shown: written afresh, the item's URL
(``reverse``) and day (``{% reader_time %}``) cost about 100 us, thirty times a page, half of an
uncached vehicle page's time, while the item changes only with the article's slug, headline and
first publication. Those are its key, with what else its markup depends on (the URL's script
prefix and URLconf, the day's time zone and language), so an article renamed or moved is written
afresh at once; no stored page holds the list, which changes by the clock (a scheduled article
going live)."""

import functools

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation

register = template.Library()

# About 136 vehicle pages' lists of ``RELATED_ARTICLES_LIMIT`` articles.
ITEMS_KEPT = 4096


class _Shown:
    """An article as its item shows it, in ``environment``: equal to another with the same key."""

    __slots__ = ("article", "key")

    def __init__(self, article, environment):
        self.article = article
        self.key = (article.slug, article.headline, article.first_published, *environment)

    def __eq__(self, other):
        return self.key == other.key

    def __hash__(self):
        return hash(self.key)


@register.simple_tag(takes_context=True)
def related_article(context, article):
    # Looked up once per page, not per item: the same for all of them.
    environment = context.render_context.get(_Shown)
    if environment is None:
        environment = context.render_context[_Shown] = (
            get_script_prefix(),
            get_urlconf(),
            timezone.get_current_timezone_name(),
            translation.get_language(),
        )
    return _rendered(_Shown(article, environment))


@functools.lru_cache(maxsize=ITEMS_KEPT)
def _rendered(shown):
    # Kept as the key: only its key is needed once the item is written.
    article, shown.article = shown.article, None
    return render_to_string("vehicles/_related_article.html", {"article": article})
