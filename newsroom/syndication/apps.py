from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    """Partners, API keys, the read API, ninjs and webhooks."""

    name = "newsroom.syndication"
    label = "syndication"
    verbose_name = "Syndication"

    def ready(self):
        from articles.signals import article_event
        from newsroom.syndication import authentication  # noqa: F401 (registers the OpenAPI security scheme)
        from newsroom.syndication.receivers import on_article_event

        article_event.connect(on_article_event, dispatch_uid="syndication.on_article_event")
