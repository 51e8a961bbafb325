"""The image chooser: the dialog a form's image field opens (``widgets.ImageChooserWidget``) to find
an image in the library by its title, caption or credit, narrow the list (recent, mine, missing alt
text), or upload one in place.

Its two endpoints are the image admin's (``ImageChooserAdmin``, mixed into ``ImageAdmin``): staff
only, and each asks the image policy (viewing to search, adding to upload). The upload goes through
the library's own form (``forms.ImageUploadForm``), so the chooser refuses exactly what the
library's *Add* page refuses; the new image's renditions are made by the task worker, as for any
upload. Thumbnails are renditions that exist (``renditions.nearest_renditions``): opening the chooser
never makes one.
"""

import json
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from newsroom.core.admin import could_be_key
from newsroom.media.forms import FOCAL_FIELDS, ImageUploadForm
from newsroom.media.models import Image
from newsroom.media.renditions import nearest_renditions, original_fits_readers

PAGE_SIZE = 24
RECENT_DAYS = 7
# The whole picture, small: the nearest width made for readers stands in (a rendition readers
# are shown already exists for every image the worker has seen).
THUMBNAIL_SPEC = "width-320"
MAX_SEARCH_WORDS = 8
# The upload form's element ids: unlike any of the page the dialog opens on.
UPLOAD_IDS = "chooser_upload_%s"

SHOW_CHOICES = [
    ("", "All images"),
    ("recent", f"Uploaded in the last {RECENT_DAYS} days"),
    ("mine", "Uploaded by me"),
    ("missing_alt", "Missing alt text"),
]


class ChooserQuery(forms.Form):
    """What the chooser's search asks for; anything else is answered 400."""

    q = forms.CharField(label="Search by title, caption or credit", required=False, max_length=200)
    show = forms.ChoiceField(label="Show", choices=SHOW_CHOICES, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


def search_images(user, query, now=None):
    """The images the chooser lists for ``query`` (a valid ``ChooserQuery``'s data), newest first:
    every word of the search in the title, caption or credit."""
    images = Image.objects.order_by("-uploaded_at", "-pk")
    for word in query.get("q", "").split()[:MAX_SEARCH_WORDS]:
        images = images.filter(Q(title__icontains=word) | Q(caption__icontains=word) | Q(credit__icontains=word))
    show = query.get("show")
    if show == "recent":
        images = images.filter(uploaded_at__gte=(now or timezone.now()) - timedelta(days=RECENT_DAYS))
    elif show == "mine":
        images = images.filter(uploaded_by=user)
    elif show == "missing_alt":
        images = images.needing_alt_text()
    return images


def thumbnail(image):
    """(url, width, height) of a small picture of ``image`` that exists now, or None: a rendition
    (renditions prefetched: no query), else the original when it is small enough to send."""
    found = nearest_renditions(image, [THUMBNAIL_SPEC], formats=("webp", "jpeg"))
    rendition = found[(THUMBNAIL_SPEC, "webp")] or found[(THUMBNAIL_SPEC, "jpeg")]
    if rendition is not None:
        return rendition.file.url, rendition.width, rendition.height
    if original_fits_readers(image):
        return image.file.url, image.width, image.height
    return None


def alt_status(image):
    """("written" | "decorative" | "missing", what the editor is told)."""
    if image.is_decorative:
        return "decorative", "Decorative: screen readers skip it"
    if image.needs_alt_text:
        return "missing", "Missing alt text: it cannot lead a published article"
    return "written", image.alt_text


def image_card(image):
    """What the chooser and the chosen-image field show of ``image``, as JSON-ready values."""
    picture = thumbnail(image)
    status, status_text = alt_status(image)
    return {
        "id": image.pk,
        "title": image.title,
        "credit": image.credit,
        "alt_status": status,
        "alt_text": status_text,
        "thumbnail": picture[0] if picture else "",
        "thumbnail_width": picture[1] if picture else 0,
        "thumbnail_height": picture[2] if picture else 0,
        "focal_x": round(image.focal_x * 100, 1),
        "focal_y": round(image.focal_y * 100, 1),
        "size": f"{image.width} × {image.height}",
        "edit_url": reverse("admin:media_image_change", args=[image.pk]),
    }


def chosen_image(value, known=None):
    """The image a field's value names, with its renditions, or None (also for a value that is no
    id); ``known``, an image already loaded, is used when it is the one named."""
    if value in (None, "") or not could_be_key(Image._meta.pk, value):
        return None
    if known is not None and str(known.pk) == str(value):
        prefetch_related_objects([known], "renditions")
        return known
    return Image.objects.prefetch_related("renditions").filter(pk=value).first()


def _upload_form(*args):
    """The library's upload form, the file first (what the editor came to do)."""
    form = ImageUploadForm(*args, auto_id=UPLOAD_IDS)
    form.order_fields(["upload"])
    return form


class ImageChooserAdmin:
    """ModelAdmin mixin for the image admin (a ``PolicyAdmin``): the chooser's endpoints."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("chooser/", view(self.chooser_view), name="media_image_chooser"),
            path("chooser/upload/", view(self.chooser_upload_view), name="media_image_chooser_upload"),
            *super().get_urls(),
        ]

    @staticmethod
    def _fragment(request, template, context, status=200):
        return TemplateResponse(request, f"admin/media/image/{template}", context, status=status)

    def chooser_view(self, request):
        """A page of thumbnails matching the search, as an HTML fragment for the dialog."""
        return require_GET(self._chooser)(request)

    def _chooser(self, request):
        if not self.user_may(request, "view"):
            raise PermissionDenied
        query = ChooserQuery(request.GET)
        if not query.is_valid():
            return self._fragment(request, "chooser_results.html", {"query": query}, status=400)
        images = search_images(request.user, query.cleaned_data).prefetch_related("renditions")
        page = Paginator(images, PAGE_SIZE).get_page(query.cleaned_data.get("page") or 1)
        return self._fragment(
            request,
            "chooser_results.html",
            {
                "query": query,
                "page": page,
                "cards": [(card, json.dumps(card)) for card in map(image_card, page)],
                "searching": bool(query.cleaned_data["q"].strip() or query.cleaned_data["show"]),
            },
        )

    def chooser_upload_view(self, request):
        """GET: the library's upload form, as a fragment. POST: the upload; the new image as JSON
        (201), or the form again with its errors (400)."""
        return require_http_methods(["GET", "POST"])(self._chooser_upload)(request)

    def _chooser_upload(self, request):
        if not self.user_may(request, "add"):
            raise PermissionDenied
        if request.method == "GET":
            return self._fragment(request, "chooser_upload.html", {"form": _upload_form(), "focal": FOCAL_FIELDS})
        form = _upload_form(request.POST, request.FILES)
        if not form.is_valid():
            return self._fragment(request, "chooser_upload.html", {"form": form, "focal": FOCAL_FIELDS}, status=400)
        image = form.store(request.user)
        self.log_addition(request, image, [{"added": {}}])
        prefetch_related_objects([image], "renditions")  # none yet, unless the worker runs in the request
        return JsonResponse({"image": image_card(image)}, status=201)
