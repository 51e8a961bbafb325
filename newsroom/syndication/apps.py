from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    """Partners, API keys, the read API, ninjs and webhooks."""

    name = "newsroom.syndication"
    label = "syndication"
    verbose_name = "Syndication"

    def ready(self):
        from articles import readmodel
        from articles.signals import article_changing
        from newsroom.syndication import (
            authentication,  # noqa: F401 (registers the OpenAPI security scheme)
            documents,
        )
        from newsroom.syndication.receivers import on_article_changing

        # Inside the workflow's transaction: the feed entry and the webhook deliveries commit
        # (or roll back) together with the change, so a sync can never miss a publish.
        article_changing.connect(on_article_changing, dispatch_uid="syndication.on_article_changing")
        _announce_shown_record_changes()
        _tell_rights_changes()
        # Each live article's native JSON and ninjs document, stored by the read model and served as stored.
        readmodel.register(documents.build, shows=documents.shows)


def _announce_shown_record_changes():
    """An edited image, tag, author or section reaches partners as an update of each live article
    showing it (``receivers.announce_articles_showing``)."""
    from django.apps import apps
    from django.db.models.signals import post_save, pre_delete, pre_save

    from articles.models import SHOWN_RECORDS
    from newsroom.syndication import receivers

    for label in SHOWN_RECORDS:
        model = apps.get_model(label)
        for signal, receiver in (
            (pre_save, receivers.remember_shown_fields),
            (post_save, receivers.on_shown_record_saved),
            (pre_delete, receivers.on_shown_record_deleting),
        ):
            signal.connect(receiver, sender=model, dispatch_uid=f"syndication.shown.{signal}.{label}")


def _tell_rights_changes():
    """A saved or deleted partner or API key, or a partner's sections changed, makes each process
    read the partner's keys again (``receivers.on_rights_changed``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from newsroom.syndication import receivers
    from newsroom.syndication.models import ApiKey, Partner

    for model in (ApiKey, Partner):
        for signal in (post_save, post_delete):
            signal.connect(
                receivers.on_rights_changed, sender=model, dispatch_uid=f"syndication.rights.{signal}.{model}"
            )
    m2m_changed.connect(
        receivers.on_rights_changed, sender=Partner.sections.through, dispatch_uid="syndication.rights.sections"
    )
