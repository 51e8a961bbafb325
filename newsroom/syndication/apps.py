from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    """Partners, API keys, the read API, ninjs and webhooks."""

    name = "newsroom.syndication"
    label = "syndication"
    verbose_name = "Syndication"
