"""RSS 2.0 and Atom feeds of live articles, for the whole site and for each section.

A story's item in each feed is built by the read model at the story's workflow steps and when a
record it shows changes (``stored_items``, registered in ``ArticlesConfig.ready``), written by the
feed's own generator; a feed reads the newest stored items in one query and writes them as they
are, inside the channel Django's syndication framework writes."""

import io
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.xmlutils import SimplerXMLGenerator

from articles import readmodel
from articles.models import Article, PublicArticle, Section
from newsroom.core import cache_keys
from newsroom.core.site import absolute_url

FEED_SIZE = 30
# Control characters XML 1.0 cannot carry, which Django's feed generator refuses: a story with one
# pasted into its text is still published, and its item written without it.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text):
    return NOT_IN_XML.sub("", text)


def item_fields(article):
    """What a feed item shows of ``article`` (``SyndicationFeed.add_item``'s arguments), loaded as
    ``readmodel.load`` loads it."""
    categories = [xml_text(tag.name) for tag in article.tags.all()]
    authors = ", ".join(byline.author.name for byline in article.bylines.all())
    return {
        "title": xml_text(article.headline),
        "link": absolute_url(article.get_absolute_url()),
        "description": xml_text(article.standfirst),
        # Stable across slug changes, so feed readers do not show a renamed article twice.
        "unique_id": absolute_url(f"/articles/id/{article.pk}"),
        "unique_id_is_permalink": False,
        "pubdate": article.first_published,
        "updateddate": article.last_updated,
        "author_name": xml_text(authors) or None,
        "categories": [xml_text(article.section.name), *categories] if article.section_id else categories,
    }


class StoredItems:
    """A feed generator whose items are stored XML, each a dict with its ``xml`` and the dates
    the channel's own date is the newest of (``latest_post_date``)."""

    def write_items(self, handler):
        for item in self.items:
            handler.ignorableWhitespace(item["xml"])  # written unescaped: it is XML already


class StoredRss(StoredItems, Rss201rev2Feed):
    pass


class StoredAtom(StoredItems, Atom1Feed):
    pass


# Each feed's stored form of an item, and the generator that writes it.
ITEM_FORMS = {"feed-rss": Rss201rev2Feed, "feed-atom": Atom1Feed}


def item_xml(generator, fields):
    """The item ``generator`` writes of ``fields``, as it writes it inside a whole feed."""
    feed = generator(title="", link="", description="")
    feed.add_item(**fields)
    out = io.StringIO()
    feed.write_items(SimplerXMLGenerator(out, "utf-8", short_empty_elements=True))
    return out.getvalue()


def stored_items(articles):
    """The read model's builder (``readmodel.register``): each article's item in each feed."""
    forms = {}
    for article in articles:
        fields = item_fields(article)
        forms[article.pk] = {kind: item_xml(generator, fields) for kind, generator in ITEM_FORMS.items()}
    return forms


class LatestArticlesRss(Feed):
    """The newest live articles; ``section`` narrows them to one section."""

    feed_type = StoredRss
    item_form = "feed-rss"
    feed_name = "rss"
    # Django sends Last-Modified (the newest item's date) for feeds whose items are dated by these;
    # the stored items come dated (``get_feed``).
    item_pubdate = item_updateddate = None

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
        return ()  # the items are stored whole: ``get_feed`` adds them

    def get_feed(self, section, request):
        """The channel as Django writes it, with the newest live stories' stored items, in one query.
        The feed carries each story's key: a rename of a record it shows rebuilds the stories
        showing it, and only then is the feed stale."""
        stories = PublicArticle.objects.live()
        if section:
            stories = stories.filter(article__section=section)
        rows = readmodel.with_form(stories, self.item_form).values_list(
            "pk", "first_published", "last_updated", "form"
        )[:FEED_SIZE]
        feed = super().get_feed(section, request)
        feed.items = [
            {"pubdate": published, "updateddate": updated, "xml": xml}
            for _, published, updated, xml in rows
            if xml is not None  # stored before feed items were (until ``rebuild_read_model``)
        ]
        cache_keys.show(request, *(cache_keys.key(Article, pk) for pk, *_ in rows))
        return feed


class LatestArticlesAtom(LatestArticlesRss):
    feed_type = StoredAtom
    item_form = "feed-atom"
    feed_name = "atom"
