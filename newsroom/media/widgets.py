"""A form field for choosing one image from the library, with the chooser dialog (``chooser``).

The chosen image shows as a thumbnail with its focal point, its title and its alt text (or that it is
decorative, or a warning that it has none), with *Change*, *Clear* and *Edit this image*. Without
JavaScript the field is a plain box for the image's number, which the form checks as any other.
"""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from newsroom.core.admin import could_be_key
from newsroom.media.chooser import SHOW_CHOICES, chosen_image, image_card
from newsroom.media.models import Image


class ImageChooserWidget(forms.TextInput):
    template_name = "admin/media/image/chooser_widget.html"
    # The image the form's record already holds (loaded with it), when the value still names it:
    # then only its renditions are read.
    known_image = None

    class Media:
        js = ["media/image-chooser.js"]
        css = {"all": ["media/image-chooser.css"]}

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "size": 8, "autocomplete": "off", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        image = chosen_image(value, self.known_image)
        context["chosen"] = image_card(image) if image else None
        context["chooser_url"] = reverse("admin:media_image_chooser")
        context["upload_url"] = reverse("admin:media_image_chooser_upload")
        context["show_choices"] = SHOW_CHOICES
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/), not the form renderer's: the dialog is
        # admin markup like the rest of templates/admin/.
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class ImageChoiceField(forms.ModelChoiceField):
    """One image of the library, chosen with ``ImageChooserWidget``. A value that is no image's
    number (a letter, a digit ``int`` refuses, one past the id column) is the field's own
    "not a valid choice" error before any query."""

    widget = ImageChooserWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Image.objects.all())
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Image):
            return value
        if not could_be_key(Image._meta.pk, value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)
