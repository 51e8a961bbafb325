"""What an image needs before it can appear in a published article."""

from articles.models import Article

ALT_TEXT_MISSING = "The image “%(title)s” needs alt text, or must be marked as decorative."


def image_is_publishable(image):
    """True when readers of screen readers are served: alt text written, or marked decorative.

    The rule itself is `Image.needs_alt_text` / `Image.objects.needing_alt_text()`."""
    return image is None or not image.needs_alt_text


def live_articles_leading_with(image):
    """Articles the public sees now with this image at the top."""
    return Article.objects.live().filter(lead_image=image)


def alt_for(image):
    """The alt attribute: empty only for images explicitly marked decorative.

    An image still waiting for its alt text falls back to its title rather than to nothing."""
    if image.is_decorative:
        return ""
    return image.alt_text.strip() or image.title
