"""Signals the site-wide layer sends for the layers above it."""

from django.dispatch import Signal

# Sent after a change commits, with `keys` (a frozenset of cache-key strings such as
# "article-12", "section-3", "home") and `hard` (True when no stale copy may be served, e.g. a
# withdrawal), and `records`, those of the keys whose record itself changed (see
# ``cache_keys.changed``). The page cache drops what carries those keys; an edge cache purges them
# too; the articles' read model rebuilds what shows the records.
public_keys_changed = Signal()

# Sent inside the writer's transaction when ``cache_keys.changed`` names `records` whose record
# itself changed (once per ``cache_keys.batched()``), before ``public_keys_changed`` follows the
# commit: a stored form that shows them is marked outdated in the change's own transaction, so no
# reader ever gets the form as it was once the change is visible. Receivers must be cheap.
public_records_changing = Signal()
