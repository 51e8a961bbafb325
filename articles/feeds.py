"""RSS 2.0 and Atom feeds of live articles, for the whole site and for each section."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles.models import Article, Byline, Section
from newsroom.core import cache_keys
from newsroom.core.site import absolute_url

FEED_SIZE = 30


class LatestArticlesRss(Feed):
    """The newest live articles; ``section`` narrows them to one section."""

    feed_type = Rss201rev2Feed
    feed_name = "rss"

    def get_object(self, request, slug=None):
        section = get_object_or_404(Section, slug=slug) if slug else None
        cache_keys.show(request, section)
        return section

    def title(self, section):
        return f"{section.name} | {settings.SITE_NAME}" if section else f"{settings.SITE_NAME}: latest news"

    def description(self, section):
        if section and section.description:
            return section.description
        return f"The latest automotive news from {settings.SITE_NAME}."

    def subtitle(self, section):
        return self.description(section)

    def link(self, section):
        return absolute_url(reverse("articles:section", args=[section.slug]) if section else reverse("articles:home"))

    def feed_url(self, section):
        name = f"articles:section_feed_{self.feed_name}" if section else f"articles:feed_{self.feed_name}"
        return absolute_url(reverse(name, kwargs={"slug": section.slug} if section else {}))

    def items(self, section):
        articles = (
            Article.objects.live()
            .select_related("section")
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")), "tags")
        )
        if section:
            articles = articles.filter(section=section)
        return articles[:FEED_SIZE]

    def item_title(self, article):
        return article.headline

    def item_description(self, article):
        return article.standfirst

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def item_guid(self, article):
        # Stable across slug changes, so feed readers do not show a renamed article twice.
        return absolute_url(f"/articles/id/{article.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, article):
        return article.first_published

    def item_updateddate(self, article):
        return article.last_updated

    def item_author_name(self, article):
        return ", ".join(byline.author.name for byline in article.bylines.all()) or None

    def item_categories(self, article):
        categories = [tag.name for tag in article.tags.all()]
        return [article.section.name, *categories] if article.section_id else categories


class LatestArticlesAtom(LatestArticlesRss):
    feed_type = Atom1Feed
    feed_name = "atom"
