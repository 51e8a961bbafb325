"""Who may do what with images: Django's image permissions, and once an article in review,
approved, scheduled or live shows an image, only a role that may publish changes or deletes it."""

from newsroom.core.permissions import ShownRecordPolicy

image_policy = ShownRecordPolicy("media.Image")
