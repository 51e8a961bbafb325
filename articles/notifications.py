"""Telling people that a story needs them, by e-mail, once a workflow step has committed:

- reviewers (everyone ``article_policy`` lets approve) when a story or a live story's changes
  are submitted for review;
- the story's writers (who started it, and whoever has a byline) when it is sent back, or when
  it or its changes are published.

The one who took the step is never told. A mail outage is logged and never undoes the step.
Who is waiting in the admin is shown by the desk (``articles.templatetags.editors_desk``).
"""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from articles.permissions import article_policy
from newsroom.core.site import absolute_url

logger = logging.getLogger(__name__)

# step -> (who is told, what happened)
NOTICES = {
    "submit": ("reviewers", "waits for your review"),
    "submit_changes": ("reviewers", "has changes waiting for your review"),
    "send_back": ("writers", "was sent back to you"),
    "send_back_changes": ("writers", "had its changes sent back to you"),
    "publish": ("writers", "was published"),
    "update": ("writers", "was published with changes"),
    "correct": ("writers", "was published with a correction"),
}


def reviewers():
    """Active users with an e-mail address who may approve articles, as the policy says (the query
    only narrows the candidates to those holding the permission somehow)."""
    approve = Q(groups__permissions__codename="approve_article") | Q(user_permissions__codename="approve_article")
    candidates = get_user_model().objects.filter(approve | Q(is_superuser=True), is_active=True).exclude(email="")
    return [user for user in candidates.distinct() if article_policy.user_has_permission(user, "approve")]


def writers(article):
    """Whoever started ``article`` and whoever has a byline on it, with an e-mail address."""
    started_or_bylined = Q(pk=article.created_by_id) | Q(author__bylines__article=article)
    return list(get_user_model().objects.filter(started_or_bylined, is_active=True).exclude(email="").distinct())


def step_taken(article, actor, step, comment=""):
    if step not in NOTICES:
        return
    audience, what = NOTICES[step]
    recipients = {user.email for user in (reviewers() if audience == "reviewers" else writers(article))}
    recipients.discard(getattr(actor, "email", None) or None)
    if not recipients:
        return
    link = absolute_url(reverse("admin:articles_article_change", args=[article.pk]))
    by = (actor.get_full_name() or actor.get_username()) if actor else "Someone"
    message = f"“{article.headline}” {what} ({by}).\n\n"
    if comment:
        message += f"{comment}\n\n"
    message += f"Open it in the desk: {link}\n"
    try:
        send_mail(f"“{article.headline}” {what}", message, None, sorted(recipients))
    except Exception:  # the step is taken either way; a mail outage must not undo it
        logger.exception("could not send a workflow notice", extra={"article": article.pk, "step": step})
