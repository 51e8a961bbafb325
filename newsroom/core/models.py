from django.db import models


class PendingRun(models.Model):
    """A run of a task queued by ``newsroom.core.tasks.enqueue_once`` and not started yet: while
    it is here, more changes queue nothing more."""

    task = models.CharField(max_length=200, primary_key=True)  # the task's module path

    def __str__(self):
        return self.task
