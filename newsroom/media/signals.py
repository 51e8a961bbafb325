"""Files follow their rows: deleting an image or a rendition removes its file once the deletion commits."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from newsroom.media.models import Image, Rendition


@receiver(post_delete, sender=Image)
@receiver(post_delete, sender=Rendition)
def delete_file_after_commit(sender, instance, **kwargs):
    if instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
