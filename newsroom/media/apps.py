from django.apps import AppConfig


class MediaConfig(AppConfig):
    """Images: safe uploads, alt text, focal points, renditions."""

    name = "newsroom.media"
    label = "media"
    verbose_name = "Images"

    def ready(self):
        from newsroom.core import cache_keys, public_data
        from newsroom.media import signals  # noqa: F401  (connects the file clean-up)
        from newsroom.media.models import Image

        cache_keys.register(Image, "image")
        public_data.register(Image)
