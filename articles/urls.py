from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from articles import feeds, sitemaps, views
from newsroom.core.pagecache import public_page

app_name = "articles"

rss = public_page(feeds.LatestArticlesRss())
atom = public_page(feeds.LatestArticlesAtom())

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
        public_page(sitemap_views.sitemap),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
    path("sitemap-news.xml", public_page(sitemaps.news_sitemap), name="news_sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
