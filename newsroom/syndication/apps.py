from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    """Partners, API keys, the read API, ninjs and webhooks."""

    name = "newsroom.syndication"
    label = "syndication"
    verbose_name = "Syndication"

    def ready(self):
        from articles.signals import article_changing
        from newsroom.syndication import authentication  # noqa: F401 (registers the OpenAPI security scheme)
        from newsroom.syndication.receivers import on_article_event

        # Inside the workflow's transaction: the feed entry and the webhook deliveries commit
        # (or roll back) together with the change, so a sync can never miss a publish.
        article_changing.connect(on_article_event, dispatch_uid="syndication.on_article_event")
