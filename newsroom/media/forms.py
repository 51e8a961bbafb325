"""Adding an image to the library: the one upload form, used by the image admin's *Add* page and by
the image chooser's *Upload* tab (``chooser``), so both refuse exactly the same files."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from newsroom.media.ingest import accepted_formats_label, find_duplicate, prepare_image, store_prepared
from newsroom.media.models import Image

TEXT_FIELDS = ["title", "alt_text", "is_decorative", "caption", "credit", "copyright"]
FOCAL_FIELDS = ["focal_x", "focal_y"]


class ImageUploadForm(forms.ModelForm):
    """Adds an image: the file goes through `prepare_image`, so every refusal is a form error."""

    upload = forms.FileField(
        label="Image file",
        help_text=f"{accepted_formats_label()}. Location and camera details are removed; animations keep "
        "their first frame.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,image/avif"}),
    )

    class Meta:
        model = Image
        fields = [*TEXT_FIELDS, *FOCAL_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = "Leave empty to use the file name."
        self.prepared = None

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload is None:
            return cleaned
        try:
            self.prepared = prepare_image(upload)
        except ValidationError as error:
            self.add_error("upload", error)
            return cleaned
        duplicate = find_duplicate(self.prepared)
        if duplicate:
            url = reverse("admin:media_image_change", args=[duplicate.pk])
            self.add_error(
                "upload",
                ValidationError(
                    format_html('This image is already in the library as <a href="{}">{}</a>.', url, duplicate.title),
                    code="duplicate",
                ),
            )
        if not cleaned.get("title"):
            cleaned["title"] = upload.name.rsplit(".", 1)[0][:255] or "Untitled image"
            self.instance.title = cleaned["title"]
        return cleaned

    def store(self, user):
        """Store the checked file as ``self.instance``, uploaded by ``user``; returns the image (its
        renditions are queued once the save commits, ``signals``)."""
        self.instance.uploaded_by = user
        stored = store_prepared(self.prepared, self.instance)
        if stored is not self.instance:  # the same file was stored by a simultaneous upload
            self.instance.pk = stored.pk
        return self.instance
