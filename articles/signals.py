"""Signals the workflow sends once a transaction has committed, for caches, feeds and webhooks.

``article_event`` is sent with ``article`` and ``event``:
- "published", "updated", "corrected", "withdrawn": what readers and partners must hear about;
- "scheduled": the article will go live at ``article.publish_at`` (nothing public changed yet;
  listeners schedule their own work for that minute, e.g. the "published" webhook).
"""

from django.dispatch import Signal

PUBLIC_EVENTS = ("published", "updated", "corrected", "withdrawn")

article_event = Signal()
