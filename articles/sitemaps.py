"""Sitemaps for search engines: articles, sections and vehicles in /sitemap.xml, and a Google
News sitemap of the last 48 hours' articles. URLs are on the public site (``newsroom.core.site``),
whatever host was asked."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Section
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
        return Article.objects.live().only("slug", "publish_at", "first_published_at", "last_published_at")

    def lastmod(self, article):
        return article.last_updated


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


def news_sitemap(request):
    """Google News sitemap: live articles first published in the last 48 hours."""
    since = timezone.now() - timedelta(hours=NEWS_SITEMAP_HOURS)
    articles = (
        Article.objects.live()
        .first_published_since(since)
        .prefetch_related(Prefetch("tags"))
        .only("slug", "headline", "publish_at", "first_published_at")[:1000]
    )
    context = {
        "entries": [(absolute_url(article.get_absolute_url()), article) for article in articles],
        "publication_name": settings.SITE_NAME,
        "language": settings.LANGUAGE_CODE.split("-")[0],
    }
    return render(request, "articles/news_sitemap.xml", context, content_type="application/xml; charset=utf-8")
