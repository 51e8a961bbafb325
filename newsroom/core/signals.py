"""Signals the site-wide layer sends for the layers above it."""

from django.dispatch import Signal

# Sent after a change commits, with `keys` (a frozenset of cache-key strings such as
# "article-12", "section-3", "home") and `hard` (True when no stale copy may be served, e.g. a
# withdrawal), and `records`, those of the keys whose record itself changed (see
# ``cache_keys.changed``). The page cache drops what carries those keys; an edge cache purges them
# too; the articles' read model rebuilds what shows the records.
public_keys_changed = Signal()
