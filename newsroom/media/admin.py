"""The image library in the admin: upload (through the same checks as every other upload),
search, thumbnails, alt text status, a focal-point picker, and the chooser's endpoints (``chooser``)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from newsroom.core.admin import ShownRecordGuard
from newsroom.media.checks import image_is_publishable, live_article_leading_with
from newsroom.media.chooser import ImageChooserAdmin
from newsroom.media.forms import FOCAL_FIELDS, TEXT_FIELDS, ImageUploadForm
from newsroom.media.models import Image
from newsroom.media.permissions import image_policy
from newsroom.media.renditions import RENDER_ERRORS, get_rendition


class ImageChangeForm(forms.ModelForm):
    """Editing an image in the library: its alt text cannot be taken away from readers of a live
    article that leads with it (marking the image decorative is the way to say it needs none)."""

    class Meta:
        model = Image
        fields = [*TEXT_FIELDS, *FOCAL_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not {"alt_text", "is_decorative"} & set(self.changed_data) or self.has_error("alt_text"):
            return cleaned
        edited = Image(alt_text=cleaned.get("alt_text", ""), is_decorative=cleaned.get("is_decorative", False))
        if not edited.needs_alt_text:
            return cleaned
        article = live_article_leading_with(self.instance)
        if article is not None:
            self.add_error(
                "alt_text",
                ValidationError(
                    "This is the lead image of the live article “%(headline)s”: readers of screen readers "
                    "need its alt text. Write one, or mark the image as decorative.",
                    code="alt_text_required_live",
                    params={"headline": article.headline},
                ),
            )
        return cleaned


class AltTextFilter(admin.SimpleListFilter):
    title = "alt text"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("present", "Written"), ("decorative", "Decorative")]

    def queryset(self, request, queryset):
        # The same three groups as the list's "Alt text" column.
        if self.value() == "missing":
            return queryset.needing_alt_text()
        if self.value() == "present":
            return queryset.publishable().filter(is_decorative=False)
        if self.value() == "decorative":
            return queryset.filter(is_decorative=True)
        return queryset


@admin.register(Image)
class ImageAdmin(ImageChooserAdmin, ShownRecordGuard, admin.ModelAdmin):
    permission_policy = image_policy
    add_form = ImageUploadForm
    form = ImageChangeForm
    list_display = ["thumbnail", "title", "alt_status", "dimensions", "credit", "uploaded_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = [AltTextFilter, "format", "uploaded_at"]
    search_fields = ["title", "alt_text", "caption", "credit"]
    list_per_page = 50
    readonly_fields = [
        "focal_point_picker",
        "crop_previews",
        "original",
        "dimensions",
        "format",
        "byte_size",
        "uploaded_by",
        "uploaded_at",
    ]

    class Media:
        js = ["media/focal-picker.js"]
        css = {"all": ["media/focal-picker.css"]}

    def get_queryset(self, request):
        # Thumbnails read the prefetched renditions: the list runs a fixed number of queries.
        return super().get_queryset(request).select_related("uploaded_by").prefetch_related("renditions")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["upload", *TEXT_FIELDS]}), ("Focal point", {"fields": [FOCAL_FIELDS]})]
        focal_point = "Crops keep this point in frame."
        if self.has_change_permission(request, obj):
            focal_point += " Click the picture, or type fractions from 0 (left, top) to 1 (right, bottom)."
        return [
            (None, {"fields": TEXT_FIELDS}),
            (
                "Focal point",
                {"fields": ["focal_point_picker", FOCAL_FIELDS, "crop_previews"], "description": focal_point},
            ),
            ("File", {"fields": ["original", "dimensions", "format", "byte_size", "uploaded_by", "uploaded_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:  # a moved focal point queues its new crops (``signals``)
            super().save_model(request, obj, form, change)
            return
        form.store(request.user)

    @admin.display(description="Preview")
    def thumbnail(self, obj):
        try:
            rendition = get_rendition(obj, "fill-1x1-160", "webp")
        except RENDER_ERRORS:
            return "—"
        return format_html('<img class="image-thumbnail" src="{}" width="80" height="80" alt="">', rendition.file.url)

    @admin.display(description="Alt text", boolean=False)
    def alt_status(self, obj):
        if obj.is_decorative:
            return "Decorative"
        return "Written" if image_is_publishable(obj) else "Missing"

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}"

    @admin.display(description="Original file")
    def original(self, obj):
        return format_html('<a href="{}">{}</a>', obj.file.url, obj.file.name.rsplit("/", 1)[-1])

    @admin.display(description="Point to keep")
    def focal_point_picker(self, obj):
        try:
            preview = get_rendition(obj, "width-1024", "jpeg")
        except RENDER_ERRORS:
            return "The original file cannot be read."
        return format_html(
            '<div class="focal-picker" data-focal-picker>'
            '<img src="{}" width="{}" height="{}" alt="{}">'
            '<span class="focal-marker" style="left: {}%; top: {}%" aria-hidden="true"></span></div>',
            preview.file.url,
            preview.width,
            preview.height,
            f"Preview of {obj.title}",
            round(obj.focal_x * 100, 1),
            round(obj.focal_y * 100, 1),
        )

    @admin.display(description="Crops readers see")
    def crop_previews(self, obj):
        """The card (16:9) and thumbnail (1:1) crops as they are now, saved focal point included."""
        try:
            card = get_rendition(obj, "fill-16x9-640", "jpeg")
            square = get_rendition(obj, "fill-1x1-320", "jpeg")
        except RENDER_ERRORS:
            return "—"
        return format_html(
            '<div class="crop-previews"><img src="{}" width="{}" height="{}" alt="16:9 crop">'
            '<img src="{}" width="{}" height="{}" alt="1:1 crop"></div>',
            card.file.url,
            card.width // 2,
            card.height // 2,
            square.file.url,
            square.width // 2,
            square.height // 2,
        )
