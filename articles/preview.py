"""Previews: an article exactly as readers will see it, whatever its status.

Editors preview from the admin; anyone else gets a signed share link that needs no login
and expires after ``settings.PREVIEW_LINK_MAX_AGE`` seconds (48 hours by default). A tampered
link answers 403 and an expired one 404, and neither shows a word of the article.

A link is also revoked by taking the article back: withdrawing it, sending it back to the
writer or returning it to draft. The token carries the id of the article's latest such step,
so a link minted before one no longer matches after it.

The change form's side-by-side preview renders the same page from the form as it stands,
unsaved (``unsaved_article``): the admin posts the form to it each time the editor pauses, and
nothing is saved, stored as a revision or shown to anyone else.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from articles import services, tag_input
from articles.models import Article, ArticleVehicle, Byline, Correction, Status, Transition
from newsroom.core.site import absolute_url
from vehicles.models import ModelYear, VehicleModel

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


# -- the change form's side-by-side preview --------------------------------------------------------

# The id an article not saved yet stands in with: Django reads an instance's relations only once it
# has one, and every query naming it finds nothing (stored ids start at 1).
UNSAVED_PK = 0


def _shown_tag(tag):
    """A tag as the page links it: a new one typed in, not made until the save, with the slug the
    save would give it (``tag_input.new_tag_slug``)."""
    if tag.pk is None and not tag.slug:
        tag.slug = tag_input.new_tag_slug(tag.name)
    return tag


def unsaved_article(form, formsets):
    """The article as the admin's change form holds it, never saved: ``form``'s fields and tags,
    the bylines and vehicles of its inline ``formsets`` and the correction notice being typed
    (all validated). They are put where ``prefetch_related`` leaves related rows, so
    ``article_page_context`` shows them instead of the stored ones."""
    article = form.instance
    stored = article.pk is not None
    if not article.slug:  # as saving would make it: the canonical URL and the structured data show it
        article.slug = services.unique_slug(article.headline, article.pk)
    if not stored:
        article.pk = UNSAVED_PK
    rows = {formset.model: _kept_rows(formset) for formset in formsets}
    corrections = list(Correction.objects.filter(article_id=article.pk)) if stored else []
    if form.cleaned_data.get("correction_note"):
        corrections.append(Correction(article=article, text=form.cleaned_data["correction_note"], created_by=form.user))
    _preload(
        article,
        tags=[_shown_tag(tag) for tag in form.cleaned_data.get("tags") or []],
        bylines=rows.get(Byline, []),
        article_vehicles=_with_vehicle_details(rows.get(ArticleVehicle, [])),
        corrections=corrections,
    )
    return article


def _kept_rows(formset):
    """The unsaved rows a valid inline formset holds, without those marked for deletion, in the
    order the page lists them (``position``, then as entered)."""
    kept = [form.instance for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
    return sorted(kept, key=lambda row: row.position)


def _with_vehicle_details(links):
    """Each link's vehicle with its make, and its model year with its powertrain, as the article
    page loads them: two queries, whatever the number of vehicles."""
    if not links:
        return links
    models = VehicleModel.objects.select_related("make").in_bulk({link.vehicle_model_id for link in links})
    years = ModelYear.objects.select_related("powertrain").in_bulk(
        {link.model_year_id for link in links if link.model_year_id}
    )
    for link in links:
        link.vehicle_model = models[link.vehicle_model_id]
        link.model_year = years.get(link.model_year_id)
    return links


def _preload(article, **relations):
    """Set ``article``'s related rows as ``prefetch_related`` would: later prefetches of the same
    relations skip them, and ``article.<relation>.all()`` answers from them."""
    cache = article.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in relations.items():
        rows_so_far = article._meta.get_field(name).related_model._default_manager.none()
        rows_so_far._result_cache, rows_so_far._prefetch_done = list(rows), True
        cache[name] = rows_so_far


def form_errors(form, formsets_with_inlines):
    """Why the form cannot be previewed, in the words the change form shows:
    ``[{"field": name, "label": what the editor reads, "messages": [...]}]``."""
    errors = [
        {"field": name, "label": form[name].label if name in form.fields else "", "messages": list(messages)}
        for name, messages in form.errors.items()
    ]
    for formset, inline in formsets_with_inlines:
        noun = str(inline.verbose_name).capitalize()
        for number, row_errors in enumerate(formset.errors, start=1):
            errors += [
                {
                    "field": f"{formset.prefix}-{number - 1}-{name}",
                    "label": f"{noun} {number}" if name == "__all__" else f"{noun} {number}, {name.replace('_', ' ')}",
                    "messages": list(messages),
                }
                for name, messages in row_errors.items()
            ]
        if formset.non_form_errors():
            errors.append({"field": formset.prefix, "label": noun, "messages": list(formset.non_form_errors())})
    return errors
