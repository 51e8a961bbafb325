"""Previews: an article exactly as readers will see it, whatever its status.

Editors preview from the admin; anyone else gets a signed share link that needs no login
and expires after ``settings.PREVIEW_LINK_MAX_AGE`` seconds (48 hours by default). A tampered
link answers 403 and an expired one 404, and neither shows a word of the article.

A link is also revoked by taking the article back: withdrawing it, sending it back to the
writer or returning it to draft. The token carries the id of the article's latest such step,
so a link minted before one no longer matches after it.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from articles.models import Article, Status, Transition
from newsroom.core.site import absolute_url

SALT = "articles.preview"


def preview_queryset():
    return Article.objects.select_related("section", "lead_image")


def render_preview(request, article):
    """The public article template with the same context the public page builds."""
    from articles.views import article_page_context, nav_sections

    context = {"article": article, "nav_sections": nav_sections(), **article_page_context(article), "is_preview": True}
    response = TemplateResponse(request, "articles/article_detail.html", context)
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the share token must not leak to linked sites
    return response


# Steps that take an article back from whoever was shown it: each one revokes earlier links.
REVOKING_STATUSES = (Status.DRAFT, Status.WITHDRAWN)


def _revocation(article_pk):
    """The id of the article's latest step back to draft or withdrawn (0 if none)."""
    latest = (
        Transition.objects.filter(article_id=article_pk, to_status__in=REVOKING_STATUSES)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return latest or 0


def share_token(article):
    return signing.dumps({"a": article.pk, "r": _revocation(article.pk)}, salt=SALT, compress=True)


def share_url(article):
    """An absolute link to a login-free preview, valid for PREVIEW_LINK_MAX_AGE seconds from now."""
    return absolute_url(reverse("preview:shared", kwargs={"token": share_token(article)}))


def shared_preview(request, token):
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise Http404("This preview link has expired. Ask the editor for a new one.")
    except signing.BadSignature:
        raise PermissionDenied("This preview link is not valid.")
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise PermissionDenied("This preview link is not valid.")
    if data.get("r") != _revocation(data["a"]):
        raise Http404("This preview link was withdrawn. Ask the editor for a new one.")
    # A withdrawn article is off limits to everyone without a login, links included.
    article = get_object_or_404(preview_queryset().exclude(status=Status.WITHDRAWN), pk=data["a"])
    return render_preview(request, article)
