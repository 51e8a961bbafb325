"""Signals the workflow sends, for caches, feeds and webhooks.

``article_event`` is sent once the transaction has committed, with ``article`` and ``event``:
- "published", "updated", "corrected", "withdrawn": what readers and partners must hear about;
- "scheduled": the article will go live at ``article.publish_at`` (nothing public changed yet;
  listeners schedule their own work for that minute, e.g. the "published" webhook).

``article_changing`` carries the same arguments but is sent INSIDE the workflow's transaction,
for records that must commit or roll back together with the change itself (the partners' change
feed and its webhook deliveries): a publish can never commit without its feed entry.
"""

from django.dispatch import Signal

PUBLIC_EVENTS = ("published", "updated", "corrected", "withdrawn")

article_event = Signal()
article_changing = Signal()
