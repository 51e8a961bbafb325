"""Background work for images: the renditions readers are shown, made by the task worker when an
image is uploaded or its focal point moves, never by a reader's request."""

import logging

from django.db import DatabaseError, transaction
from django.tasks import task
from PIL import UnidentifiedImageError

from newsroom.core import public_data
from newsroom.core.tasks import retry_later
from newsroom.media.models import Image
from newsroom.media.renditions import make_missing_renditions, reader_specs, remove_stale_crops

logger = logging.getLogger(__name__)

FORMATS = ("webp", "jpeg")


def make_reader_renditions(image):
    """Make every rendition readers are shown of ``image`` that is missing, drop the crops of an
    earlier focal point, and tell the keepers of public pages when anything changed (one signal,
    as for any edit of the image). Returns how many were made: none when all exist already."""
    made = make_missing_renditions(image, [(spec, fmt) for spec in reader_specs(image) for fmt in FORMATS])
    removed = remove_stale_crops(image)
    if made or removed:
        with transaction.atomic():  # the page cache is told once this commits
            public_data.changed.send(sender=Image, instance=image)
        logger.info("renditions made", extra={"image": image.pk, "made": len(made), "removed": removed})
    return len(made)


@task()
def make_renditions(image_id, attempt=1):
    """``make_reader_renditions`` for one image, in the worker. Idempotent: a second run (a retry, a
    second focal move, a worker that died after the work) makes nothing twice. An image deleted
    before or during the run is nothing to do. A failure that may pass (storage or database
    unreachable) is queued again after a delay (``retry_later``) and recorded as this run's failure;
    an original Pillow cannot read is logged and left (pages show no picture for it)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0
    try:
        return make_reader_renditions(image)
    except UnidentifiedImageError:
        logger.error("renditions cannot be made: the original is not a readable image", extra={"image": image_id})
        return 0
    except (OSError, ValueError, DatabaseError):
        if not Image.objects.filter(pk=image_id).exists():
            return 0  # deleted while its renditions were being made
        retry_later(make_renditions, image_id, attempt=attempt)
        raise


def make_renditions_after_commit(image):
    """Queue ``make_renditions`` once the transaction that saved ``image`` commits."""
    image_id = image.pk
    transaction.on_commit(lambda: make_renditions.enqueue(image_id), robust=True)
