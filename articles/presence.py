"""Who else has an article's change form open: "Erika is editing (opened 2 min ago)".

The change form records its user when it loads and pings while it stays open
(``ArticleAdmin.presence_view``); an entry not seen for ``PRESENCE_TIMEOUT`` no longer counts.
It warns before anyone types over anyone; the version check still refuses a stale save.
"""

from django.utils import timezone
from django.utils.timesince import timesince

from articles.models import PRESENCE_TIMEOUT, EditingPresence


def others_editing(article, user, *, record):
    """The other users with ``article`` open now, longest first; with ``record``, ``user`` is
    recorded as having it open (a new opening when their last sign of life is too old)."""
    now = timezone.now()
    recent = now - PRESENCE_TIMEOUT
    if record:
        updated = EditingPresence.objects.filter(article=article, user=user, seen_at__gte=recent).update(seen_at=now)
        if not updated:  # a new opening: one upsert over a stale entry, if any
            EditingPresence.objects.bulk_create(
                [EditingPresence(article=article, user=user, opened_at=now, seen_at=now)],
                update_conflicts=True,
                unique_fields=["article", "user"],
                update_fields=["opened_at", "seen_at"],
            )
    return list(
        EditingPresence.objects.filter(article=article, seen_at__gte=recent)
        .exclude(user=user)
        .select_related("user")
        .order_by("opened_at")
    )


def describe(entry, now=None):
    """ "Erika is editing (opened 2 minutes ago)" """
    name = entry.user.get_full_name() or entry.user.get_username()
    ago = timesince(entry.opened_at, now or timezone.now())
    return f"{name} is editing (opened {ago} ago)"
