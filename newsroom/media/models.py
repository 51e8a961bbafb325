from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ImageQuerySet(models.QuerySet):
    """The alt-text rule in SQL; `Image.needs_alt_text` is the same rule for one image in hand.

    Alt text is stored stripped (`Image.save`), so "no alt text" is exactly the empty string."""

    def needing_alt_text(self):
        """Images that would block publishing: not decorative and no alt text."""
        return self.filter(is_decorative=False, alt_text="")

    def publishable(self):
        return self.exclude(is_decorative=False, alt_text="")


def normalise_alt_text(text):
    """Surrounding whitespace is not a description: "   " is no alt text at all."""
    return text.strip()


class Image(models.Model):
    """An original image as uploaded (re-encoded without metadata), with what readers and
    partners need to show it: alt text, caption, credit and the focal point for crops."""

    file = models.FileField(upload_to="images/originals/", max_length=255)
    title = models.CharField(max_length=255)
    alt_text = models.CharField(
        max_length=500, blank=True, help_text="Describe the image for people who cannot see it."
    )
    is_decorative = models.BooleanField(
        default=False, help_text="Purely decorative: screen readers skip it, so no alt text is needed."
    )
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=255, blank=True, help_text="Photographer or agency.")
    copyright = models.CharField(max_length=255, blank=True)
    # The point of interest as fractions of width and height (0..1); crops keep it in frame.
    focal_x = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    focal_y = models.FloatField(default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)])
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    format = models.CharField(max_length=10, editable=False, help_text="Pillow format name, e.g. JPEG.")
    byte_size = models.PositiveBigIntegerField(editable=False)
    content_hash = models.CharField(
        max_length=64, unique=True, editable=False, help_text="SHA-256 of the stored file: finds duplicates."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.alt_text = normalise_alt_text(self.alt_text)
        super().save(*args, **kwargs)  # post_save receivers still see focal_point_moved
        self._stored_focal_point = self._focal_point()

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        image = super().from_db(db, field_names, values, **kwargs)
        image._stored_focal_point = image._focal_point()
        return image

    def _focal_point(self):
        # From __dict__: a deferred field is not loaded just to be compared.
        return (self.__dict__.get("focal_x"), self.__dict__.get("focal_y"))

    @property
    def focal_point_moved(self):
        """True when the focal point differs from the one last loaded or saved (always for an
        image this instance never read or wrote): its crops are then out of date."""
        return getattr(self, "_stored_focal_point", None) != self._focal_point()

    @property
    def needs_alt_text(self):
        """True until readers of screen readers are served: alt text written, or marked decorative."""
        return not self.is_decorative and not normalise_alt_text(self.alt_text)


class Rendition(models.Model):
    """A resized or cropped copy of an image, generated once on first use and reused."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=50, help_text="What was asked for, e.g. 'width-640' or 'fill-16x9-1200'.")
    format = models.CharField(max_length=10, help_text="webp or jpeg")
    # Crops depend on the focal point; renditions made for an older one are not reused.
    focal_key = models.CharField(max_length=20, default="")
    file = models.FileField(upload_to="images/renditions/", max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "spec", "format", "focal_key"], name="unique_rendition"),
        ]

    def __str__(self):
        return f"{self.image_id}:{self.spec}.{self.format}"
