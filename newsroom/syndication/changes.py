"""The change feed: recording changes in commit order, and what each partner may see: the
one place that decides which articles, changes, sections, tags and reporting articles a partner
is shown."""

from django.db import connection, models, transaction
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article, Section, Tag
from newsroom.syndication.models import ChangeEvent

# Any constant: the advisory lock that serialises change inserts on PostgreSQL.
_CHANGE_LOCK_KEY = 7_240_001


def lock_feed():
    """Hold the change feed's insert lock until this transaction ends: changes recorded from now
    on commit after it. On PostgreSQL a transaction-level advisory lock; SQLite serialises
    writers already (IMMEDIATE transactions)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHANGE_LOCK_KEY])


def record_change(article, event, now=None):
    """Append one change for ``article`` and return it.

    The feed's lock (``lock_feed``) is taken before the insert and held until commit, so sequence
    numbers are handed out in commit order: no reader can see change N+1 before change N is visible."""
    with transaction.atomic():
        lock_feed()
        previous = ChangeEvent.objects.filter(article=article).order_by("-id").values_list("section_id", flat=True)
        previous_section_id = previous.first()
        return ChangeEvent.objects.create(
            article=article,
            event=event,
            section_id=article.section_id,
            previous_section_id=previous_section_id,
            article_version=article.version,
            occurred_at=now or timezone.now(),
        )


def feed_position(now):
    """How far into the change feed a reader is who was shown what is readable at ``now``: an
    expression to read in the same SQL statement as what the reader is shown, so both come from
    one snapshot of the database.

    A publish commits after its go-live time is set, and that time can be later than ``now`` (the
    request read the clock before the publish committed): such an article is not readable at
    ``now``, so its change, and every change after it, must lie beyond the position. Changes are
    recorded no earlier than the go-live time they announce (the workflow stamps both on the same
    clock; the scheduled release waits for the minute), so the first change that occurred after
    ``now`` marks the end; without one, the newest change does."""
    # MIN(id + 0), found from the occurred_at index: for MIN(id) or ORDER BY id, SQLite walks the
    # whole feed in id order instead.
    lowest_id = Func(F("id") + 0, function="MIN", output_field=models.BigIntegerField())
    first_later = ChangeEvent.objects.filter(occurred_at__gt=now).order_by().values(first=lowest_id)
    newest = ChangeEvent.objects.order_by("-id").values("id")[:1]
    return Coalesce(Subquery(first_later) - 1, Subquery(newest), 0, output_field=models.BigIntegerField())


def articles_for(partner, now=None):
    """The articles this partner may read right now: live and within its sections."""
    return articles_in(partner.section_ids(), now)


def articles_in(section_ids, now=None):
    """What a partner of ``section_ids`` (None: every section) may read at ``now``: live articles
    in those sections. Reads compiled once (``newsroom.core.prepared``) pass placeholders."""
    queryset = Article.objects.live(now)
    if section_ids is not None:
        queryset = queryset.filter(section_id__in=section_ids)
    return queryset


def readable_articles(partner, now=None):
    """``articles_for``, filterable by the last time readers were told they changed."""
    return articles_for(partner, now).with_last_updated()


def sections_for(partner):
    """The sections whose articles this partner receives."""
    section_ids = partner.section_ids()
    return Section.objects.all() if section_ids is None else Section.objects.filter(pk__in=section_ids)


def tags_for(partner):
    """Only tags on articles the partner can read: a tag made for an unpublished story stays unseen."""
    return Tag.objects.shown_by(articles_for(partner))


def reported_in_readable(partner):
    """Whether a market availability's reporting article is one this partner can read (an
    expression on ``MarketAvailability``): the others are not linked."""
    return Exists(articles_for(partner).filter(market_reports__availability=OuterRef("pk")))


def changes_for(partner, now=None):
    """The changes this partner may see, each annotated, when its article is withdrawn, with the
    public reason (``withdrawal_reason``, "" otherwise).

    A change shows the article as it is now (never as it was), so a withdrawn body never travels
    again; a change whose article is not in ``readable_articles`` is a tombstone."""
    queryset = ChangeEvent.objects.all()
    section_ids = partner.section_ids()
    if section_ids is not None:
        # As ``sees_change``: in one of the partner's sections, or just out of one.
        queryset = queryset.filter(Q(section_id__in=section_ids) | Q(previous_section_id__in=section_ids))
    return queryset.annotate(withdrawal_reason=F("article__withdrawal_reason"))


def sees_change(partner, change):
    """Whether ``change`` is one this partner sees (is in ``changes_for``), and so hears of by
    webhook: its article is in one of the partner's sections, or has just left one (the partner
    must remove it)."""
    section_ids = partner.section_ids()
    return section_ids is None or bool({change.section_id, change.previous_section_id} & section_ids)
