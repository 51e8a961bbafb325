"""Files follow their rows: deleting an image or a rendition removes its file once the deletion
commits. Renditions follow their image: a new image, or one whose focal point moved, gets the
renditions readers are shown from the task worker once the save commits."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from newsroom.media.models import Image, Rendition
from newsroom.media.tasks import make_renditions_after_commit


@receiver(post_delete, sender=Image)
@receiver(post_delete, sender=Rendition)
def delete_file_after_commit(sender, instance, **kwargs):
    if instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_save, sender=Image)
def make_renditions_when_their_source_changes(sender, instance, created=False, raw=False, **kwargs):
    if not raw and (created or instance.focal_point_moved):
        make_renditions_after_commit(instance)
