from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from articles import feeds, sitemaps, views
from articles.models import Author, Section, Tag
from newsroom.core import cache_keys
from newsroom.core.pagecache import public_page
from vehicles.models import Make, VehicleModel

app_name = "articles"

# Every feed changes with any article event ("feed") and shows section, author and tag names; it
# also carries its stories' keys (their stored items, rebuilt after a rename: ``get_feed``), and a
# section's feed its section (``get_object``).
in_feeds = cache_keys.showing(cache_keys.FEED, *(cache_keys.list_key(model) for model in (Section, Author, Tag)))
rss = public_page(in_feeds(feeds.LatestArticlesRss()))
atom = public_page(in_feeds(feeds.LatestArticlesAtom()))
# The sitemap's URLs hold article, section, make and vehicle slugs; the news sitemap's, tag names.
in_sitemap = cache_keys.showing(
    cache_keys.SITEMAP, *(cache_keys.list_key(model) for model in (Section, Make, VehicleModel))
)
in_news_sitemap = cache_keys.showing(cache_keys.SITEMAP, cache_keys.list_key(Tag))

urlpatterns = [
    path("", views.home, name="home"),
    path("latest/", views.latest, name="latest"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("section/<slug:slug>/", views.section_detail, name="section"),
    path("tag/<slug:slug>/", views.tag_detail, name="tag"),
    path("author/<slug:slug>/", views.author_detail, name="author"),
    path("search/", views.search, name="search"),
    path("feed/rss/", rss, name="feed_rss"),
    path("feed/atom/", atom, name="feed_atom"),
    path("section/<slug:slug>/feed/rss/", rss, name="section_feed_rss"),
    path("section/<slug:slug>/feed/atom/", atom, name="section_feed_atom"),
    path(
        "sitemap.xml",
        public_page(in_sitemap(sitemap_views.sitemap)),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
    path("sitemap-news.xml", public_page(in_news_sitemap(sitemaps.news_sitemap)), name="news_sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
