"""What an image needs before it can appear in a published article."""

from newsroom.core.hooks import Hook

ALT_TEXT_MISSING = "The image “%(title)s” needs alt text, or must be marked as decorative."

# Answered by the articles app, which sits above media: image -> the newest live article the
# public sees now with this image at the top, or None.
live_article_leading_with = Hook("newest live article leading with an image")


def image_is_publishable(image):
    """True when readers of screen readers are served: alt text written, or marked decorative.

    The rule itself is `Image.needs_alt_text` / `Image.objects.needing_alt_text()`."""
    return image is None or not image.needs_alt_text


def alt_for(image):
    """The alt attribute: empty only for images explicitly marked decorative.

    An image still waiting for its alt text falls back to its title rather than to nothing."""
    if image.is_decorative:
        return ""
    return image.alt_text.strip() or image.title
