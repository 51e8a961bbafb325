"""Signals the workflow sends after a transaction commits, for caches, feeds and webhooks.

``article_event`` is sent with ``article`` and ``event``, one of "published", "updated",
"corrected", "withdrawn" (what partners subscribe to), once the change is committed.
"""

from django.dispatch import Signal

article_event = Signal()
