"""What an image needs before it can appear in a published article."""

ALT_TEXT_MISSING = "The image “%(title)s” needs alt text, or must be marked as decorative."


def image_is_publishable(image):
    """True when readers of screen readers are served: alt text written, or marked decorative."""
    return image is None or image.is_decorative or bool(image.alt_text.strip())


def alt_for(image):
    """The alt attribute: empty only for images explicitly marked decorative.

    An image still waiting for its alt text falls back to its title rather than to nothing."""
    if image.is_decorative:
        return ""
    return image.alt_text.strip() or image.title
