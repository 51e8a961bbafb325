from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles import cache_keys as article_keys
        from articles import feeds, presentation, readmodel, search, sitemaps, views
        from articles.models import Article, Author, MarketReport, Section, Tag
        from articles.signals import article_event
        from newsroom.core import cache_keys, pagecache, permissions, public_data
        from newsroom.core.signals import public_keys_changed
        from newsroom.media import checks
        from vehicles import models as vehicles

        # Answer the questions the layers below ask about articles (they may not import articles).
        permissions.submitted_or_public_articles_showing.register(
            lambda record: Article.objects.submitted_or_public().showing(record)
        )
        checks.live_article_leading_with.register(
            lambda image: Article.objects.live().filter(lead_image=image).order_by("-publish_at").first()
        )
        vehicles.live_articles_about.register(presentation.live_articles_about)
        vehicles.reporting_article_id.register(MarketReport.article_id_of)
        pagecache.next_go_live.register(readmodel.next_change)
        pagecache.endless(
            "articles:search",
            views.search_identity,
            slots=views.SEARCH_PAGES_KEPT,
            recent=views.SEARCH_PAGES_PER_PROCESS,
        )
        article_event.connect(article_keys.on_article_event, dispatch_uid="articles.cache_keys.article_event")
        for model, prefix in ((Article, "article"), (Section, "section"), (Tag, "tag"), (Author, "author")):
            cache_keys.register(model, prefix)
        # A launch's reporting article shows on the vehicle page and in the API's vehicle records.
        cache_keys.register(MarketReport, "market-report", also=MarketReport.vehicle_keys)
        public_data.register(Section, Tag, Author, MarketReport)
        readmodel.register(readmodel.story_forms)
        readmodel.register(feeds.stored_items)
        readmodel.register(sitemaps.stored_news_entries)
        readmodel.register(search.stored_text)
        public_keys_changed.connect(readmodel.on_public_keys_changed, dispatch_uid="articles.readmodel.records")
