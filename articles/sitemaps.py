"""Sitemaps for search engines: articles, sections and vehicles in /sitemap.xml, and a Google
News sitemap of the last 48 hours' articles. URLs are on the public site (``newsroom.core.site``),
whatever host was asked.

Stories are read from the read model (``articles.readmodel``): their slugs and dates from
``PublicArticle``, and each story's news sitemap entry as stored at its workflow steps
(``stored_news_entries``)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import readmodel
from articles.models import PublicArticle, Section
from newsroom.core.site import absolute_url, site_url
from vehicles.models import VehicleModel

NEWS_SITEMAP_HOURS = 48


class SiteUrlSitemap(Sitemap):
    """Django writes each URL as ``{protocol}://{domain}{location}``: the two parts split from the
    public site's address, so every URL equals ``absolute_url(location)``."""

    def get_protocol(self, protocol=None):
        return site_url().partition("://")[0]

    def get_domain(self, site=None):
        return site_url().partition("://")[2]


class ArticleSitemap(SiteUrlSitemap):
    changefreq = "hourly"

    def items(self):
        return PublicArticle.objects.live().only("slug", "last_updated")

    def lastmod(self, story):
        return story.last_updated


class SectionSitemap(SiteUrlSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()

    def location(self, section):
        return reverse("articles:section", args=[section.slug])


class VehicleSitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return VehicleModel.objects.select_related("make").order_by("make__name", "name")

    def location(self, vehicle):
        return vehicle.get_absolute_url()

    def lastmod(self, vehicle):
        return vehicle.updated_at


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap, "vehicles": VehicleSitemap}


NEWS_ENTRY = "news-entry"
NEWS_SITEMAP_SIZE = 1000


def stored_news_entries(articles):
    """The read model's builder (``readmodel.register``): each article's news sitemap entry."""
    context = {"publication_name": settings.SITE_NAME, "language": settings.LANGUAGE_CODE.split("-")[0]}
    return {
        article.pk: {
            NEWS_ENTRY: render_to_string(
                "articles/_news_sitemap_entry.xml",
                {"url": absolute_url(article.get_absolute_url()), "article": article, **context},
            )
        }
        for article in articles
    }


def news_sitemap(request):
    """Google News sitemap: live articles first published in the last 48 hours, as stored, in one
    query. A first publication is never after ``publish_at``, so the indexed ``publish_at`` bounds
    the search."""
    since = timezone.now() - timedelta(hours=NEWS_SITEMAP_HOURS)
    stories = PublicArticle.objects.live().filter(publish_at__gte=since, first_published__gte=since)
    entries = readmodel.with_form(stories, NEWS_ENTRY).values_list("form", flat=True)[:NEWS_SITEMAP_SIZE]
    context = {"entries": [mark_safe(entry) for entry in entries if entry is not None]}  # noqa: S308 - stored from a template
    return render(request, "articles/news_sitemap.xml", context, content_type="application/xml; charset=utf-8")
