"""Background work for images: renditions made ahead of the first reader."""

from django.db import transaction
from django.tasks import task

from newsroom.media.models import Image
from newsroom.media.renditions import Spec, get_renditions, srcset_specs


def warm_specs(image):
    """What pages and feeds ask for most: the plain and 16:9 srcsets, and the social card."""
    return [*srcset_specs(image), *srcset_specs(image, (16, 9)), Spec.parse("fill-16x9-1200")]


@task()
def make_renditions(image_id):
    """Renditions are still made on first use when missing; this only saves the first reader the wait
    (a page of freshly uploaded 24-megapixel photos would otherwise be slow to render once)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    return len(get_renditions(image, warm_specs(image)))


def make_renditions_after_commit(image):
    image_id = image.pk
    transaction.on_commit(lambda: make_renditions.enqueue(image_id), robust=True)
