"""The cache keys of articles (``newsroom.core.cache_keys``): what a page showing them carries,
and what a workflow event makes stale."""

from articles.models import Article, ArticleVehicle, Author, Byline, MarketReport, Section, Tag
from newsroom.core import cache_keys
from newsroom.media.models import Image
from vehicles.models import VehicleModel


def navigation_and_cards():
    """What every page with the site's navigation and article cards shows of records besides
    articles: section names (navigation, kickers) and bylines, changed by any of their renames."""
    return cache_keys.list_key(Section), cache_keys.list_key(Author)


def show_stored_cards(request, cards):
    """Record the keys of stored cards, ``(article id, lead image id or None)`` pairs: each article
    and its picture (see ``navigation_and_cards``)."""
    keys = [cache_keys.key(Article, article_id) for article_id, _ in cards]
    keys += [cache_keys.key(Image, image_id) for _, image_id in cards if image_id]
    cache_keys.show(request, *navigation_and_cards(), *keys)


def touched_by(article):
    """What a public change to ``article`` makes stale: its own key (every page showing it) and
    the lists it is on now (a list it left still carries its key)."""
    keys = {cache_keys.of(article), cache_keys.HOME, cache_keys.FEED, cache_keys.ARTICLES, cache_keys.SITEMAP}
    filed_under = [cache_keys.key(Section, article.section_id)] if article.section_id else []
    ids = Article.tags.through.objects.filter(article=article).values_list("tag_id", flat=True)
    filed_under += [cache_keys.key(Tag, pk) for pk in ids]
    ids = Byline.objects.filter(article=article).values_list("author_id", flat=True)
    filed_under += [cache_keys.key(Author, pk) for pk in ids]
    ids = ArticleVehicle.objects.filter(article=article).values_list("vehicle_model_id", flat=True)
    # A vehicle page lists the stories reporting its launches too, linked or not.
    reported = MarketReport.objects.filter(article=article).values_list("availability__vehicle_model_id", flat=True)
    filed_under += [cache_keys.key(VehicleModel, pk) for pk in {*ids, *reported}]
    keys.update(cache_keys.stories_under(key) for key in filed_under)
    return keys


def on_article_event(sender, article, event, **kwargs):
    """``article_event`` receiver (sent after the commit): "scheduled" too, so pages kept from
    before the schedule are capped at its go-live minute when they are stored again."""
    cache_keys.changed(touched_by(article), hard=event == "withdrawn")
