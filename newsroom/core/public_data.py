"""The registry of public data: the models whose rows readers and partners see besides an
article's own (sections, tags, bylines, images, vehicle records), so that a change to any of
them makes cached pages and API answers stale.

Each app registers its own models when it starts (``register`` in its ``AppConfig.ready``); the
page cache (``newsroom.core.pagecache``) listens to ``changed``. (The API's answers and ETags
follow the read model's stored documents, built again when a record they show changes.)
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

# Sent when a registered model's row is saved or deleted, inside the writer's transaction (each
# receiver decides whether to wait for the commit), with ``sender`` the model and ``instance``.
changed = Signal()


def register(*models):
    for model in models:
        # Django connects a receiver once per sender, however often an app registers a model.
        post_save.connect(_relay, sender=model)
        post_delete.connect(_relay, sender=model)


def _relay(sender, instance, **kwargs):
    changed.send(sender=sender, instance=instance)
