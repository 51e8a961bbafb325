"""The cache keys of articles (``newsroom.core.cache_keys``): what a page showing them carries,
and what a workflow event makes stale."""

from articles.models import Article, ArticleVehicle, Author, Byline, Section, Tag
from newsroom.core import cache_keys
from newsroom.media.models import Image
from vehicles.models import Make, Plant, VehicleModel


def navigation_and_cards():
    """What every page with the site's navigation and article cards shows of records besides
    articles: section names (navigation, kickers) and bylines, changed by any of their renames."""
    return cache_keys.list_key(Section), cache_keys.list_key(Author)


def card(article):
    """The keys of an article card: the article and its picture (see ``navigation_and_cards``)."""
    keys = [cache_keys.of(article)]
    if article.lead_image_id:
        keys.append(cache_keys.key(Image, article.lead_image_id))
    return keys


def show_cards(request, articles):
    cache_keys.show(request, *navigation_and_cards())
    for article in articles:
        if article is not None:
            cache_keys.show(request, *card(article))


def show_article_page(request, article, context):
    """The article page (``article_page_context``'s ``context``): the article, its section (whose
    newest articles are related candidates), tags, picture, the vehicle records of its vehicles box
    and the related articles' cards; all from what the page loaded."""
    show_cards(request, [article, *context["related_articles"]])
    cache_keys.show(request, *context["tags"])
    if article.section_id:
        cache_keys.show(request, cache_keys.key(Section, article.section_id))
    for link in article.article_vehicles.all():
        vehicle = link.vehicle_model
        cache_keys.show(request, vehicle, cache_keys.key(Make, vehicle.make_id))
        for availability in vehicle.availabilities.all():
            cache_keys.show(request, availability.market)
            if availability.source_plant_id:
                cache_keys.show(request, cache_keys.key(Plant, availability.source_plant_id))


def touched_by(article):
    """What a public change to ``article`` makes stale: its own key (every page showing it) and
    the lists it is on now (a list it left still carries its key)."""
    keys = {cache_keys.of(article), cache_keys.HOME, cache_keys.FEED, cache_keys.ARTICLES, cache_keys.SITEMAP}
    if article.section_id:
        keys.add(cache_keys.key(Section, article.section_id))
    ids = Article.tags.through.objects.filter(article=article).values_list("tag_id", flat=True)
    keys.update(cache_keys.key(Tag, pk) for pk in ids)
    ids = Byline.objects.filter(article=article).values_list("author_id", flat=True)
    keys.update(cache_keys.key(Author, pk) for pk in ids)
    ids = ArticleVehicle.objects.filter(article=article).values_list("vehicle_model_id", flat=True)
    keys.update(cache_keys.key(VehicleModel, pk) for pk in ids)
    return keys


def on_article_event(sender, article, event, **kwargs):
    """``article_event`` receiver (sent after the commit): "scheduled" too, so pages kept from
    before the schedule are capped at its go-live minute when they are stored again."""
    cache_keys.changed(touched_by(article), hard=event == "withdrawn")
