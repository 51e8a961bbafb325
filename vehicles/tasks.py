"""Where the steps of a CSV import run (vehicles.importing): within the editor's request for a
small file, which takes about a second, else in the task worker (`manage.py worker`), so that no
request runs for long and the admin shows the progress."""

from django.tasks import task

from newsroom.core.tasks import lease_seconds
from vehicles import importing
from vehicles.models import CsvImport

# Files up to this many rows are checked and imported within the request.
INLINE_ROWS = 1000


def task_seconds():
    """How long one run of the import task writes before it queues the rest: well inside the
    lease after which a task is taken for abandoned (newsroom.core.tasks), and short enough that
    other tasks (webhooks, scheduled releases) get their turn during a long import."""
    return min(60, lease_seconds() / 4)


def runs_inline(csv_import):
    return csv_import.total_rows <= INLINE_ROWS


def start_check(csv_import):
    if runs_inline(csv_import):
        importing.check_import(csv_import)
    else:
        check_import_task.enqueue(csv_import.pk)


def start_import(csv_import):
    """Starts a checked import, or resumes a stopped one; does nothing to any other."""
    if not importing.mark_importing(csv_import):
        return
    if runs_inline(csv_import):
        importing.run_import(csv_import)
    else:
        import_task.enqueue(csv_import.pk)


@task()
def check_import_task(csv_import_id):
    csv_import = CsvImport.objects.filter(pk=csv_import_id).only("pk").first()
    if csv_import is not None:
        importing.check_import(csv_import)


@task()
def import_task(csv_import_id):
    """Writes for task_seconds(), then queues itself for the rest."""
    csv_import = CsvImport.objects.filter(pk=csv_import_id).only("pk").first()
    if csv_import is not None and not importing.run_import(csv_import, seconds=task_seconds()):
        import_task.enqueue(csv_import_id)
