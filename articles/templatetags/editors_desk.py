"""The editor's desk on the admin index: what needs attention, each one click from its form."""

from django import template
from django.db.models import Count
from django.utils import timezone

from articles.models import LAST_UPDATED, Article, PendingChanges, Status
from articles.permissions import article_policy
from newsroom.core import dates

register = template.Library()

ROWS = 8


@register.filter
def with_utc(moment):
    """A go-live time in the newsroom's zone with UTC beside it: "9 Dec 2026, 10:00 CET (09:00 UTC)"."""
    return dates.desk(moment)


@register.inclusion_tag("admin/articles/_desk.html", takes_context=True)
def editors_desk(context):
    user = context["request"].user
    if not article_policy.user_has_permission(user, "view"):
        return {"show": False}
    now = timezone.now()
    articles = Article.objects.select_related("section")
    mine = article_policy.owned_by(user)
    return {
        "show": True,
        "waiting": list(articles.filter(status=Status.IN_REVIEW).order_by("updated_at")[:ROWS]),
        "changes_waiting": list(
            PendingChanges.objects.filter(in_review=True)
            .select_related("article", "revision")
            .order_by("revision_id")[:ROWS]
        ),
        "scheduled": list(articles.scheduled_for_later(now).order_by("publish_at")[:ROWS]),
        "recent": list(
            Article.objects.live(now)
            .select_related("section")
            .annotate(correction_count=Count("corrections"))
            .order_by(LAST_UPDATED.desc(), "-id")[:ROWS]
        ),
        "my_drafts": list(articles.filter(mine, status=Status.DRAFT).distinct().order_by("-updated_at")[:ROWS]),
    }
