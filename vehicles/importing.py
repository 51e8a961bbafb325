"""Importing a CSV file of vehicle records without locking other writers out.

An import is a `CsvImport` in two steps, each recorded in it as it goes:

1. **Check** (`check_import`): every row is read, cleaned and validated exactly as it would be
   imported (the resource's own checks and the model's validation, against the database as it
   is), and nothing is written: no transaction is opened, so on SQLite the write lock stays free
   for everybody else. The check lists each problem by row and column; a file with any is refused.
2. **Import** (`run_import`): the rows are written in batches of `BATCH_ROWS`. Each batch is
   cleaned and validated again outside any transaction, then written in one short transaction
   that also moves the import's progress on, so what the import says it has done is exactly what
   is in the database. Other writers wait for one batch at most, and on SQLite they get their
   turn between batches, while the next one is being prepared. A row that fails now (the
   database changed since the check) stops the import there: the rows before it stay imported
   and the import says where and why; importing the corrected file again skips the rows that are
   already there, unchanged.

`vehicles.tasks` runs the steps: small files within the editor's request, larger ones in the task
worker. Two runs of the same import at once (a task requeued after its lease) are harmless: each
batch starts by locking the import and checking where it stands.
"""

import csv
import io
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import DatabaseError, transaction
from django.dispatch import Signal
from django.utils import timezone
from import_export.results import RowResult

from newsroom.core import cache_keys
from vehicles.models import CsvImport
from vehicles.resources import RESOURCES, BatchInstanceLoader
from vehicles.spreadsheet_csv import unquote_formula

BATCH_ROWS = 200
# The largest upload taken (about 300,000 rows); bigger files are to be split.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
# How many problems an import keeps to show (it counts them all).
PROBLEMS_KEPT = 500

logger = logging.getLogger("newsroom.vehicles.import")

NEW, UPDATE, SKIP = RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP

# Sent after each batch of an import is checked or written (sender CsvImport, `csv_import`):
# the moment other writers get their turn.
batch_done = Signal()


class UnreadableFile(ValueError):
    """The upload is not a CSV file this import can read; the message says why, for the editor."""


def decode(content):
    if not content.strip():
        raise UnreadableFile("The file is empty.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"The file is not UTF-8 text (byte {error.object[error.start]:#04x} at position {error.start}): "
            "save it from the spreadsheet as “CSV UTF-8”."
        )


@dataclass
class CsvFile:
    headers: list
    rows: list  # lists of cells, each as long as the headers

    def row(self, index):
        return dict(zip(self.headers, self.rows[index], strict=True))


def read_csv(text):
    """The header and the rows, with the quote our export puts before formulas taken off again.
    Blank lines are skipped and short rows padded (as spreadsheets write them); a row with more
    cells than the header has columns is refused."""
    if "\x00" in text:
        raise UnreadableFile("The file holds NUL characters: it is not a CSV text file.")
    try:
        lines = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise UnreadableFile(f"This is not a readable CSV file ({error}).")
    if not lines:
        raise UnreadableFile("The file is empty.")
    headers = [header.strip() for header in lines[0]]
    repeated = sorted({header for header in headers if headers.count(header) > 1})
    if repeated:
        raise UnreadableFile(f"The header names these columns more than once: {', '.join(repeated)}.")
    rows = []
    for number, cells in enumerate(lines[1:], start=1):
        if len(cells) > len(headers):
            raise UnreadableFile(f"Row {number} has {len(cells)} cells, but the header names {len(headers)} columns.")
        rows.append([unquote_formula(cell) for cell in cells] + [""] * (len(headers) - len(cells)))
    return CsvFile(headers, rows)


def file_problems(resource, csv_file):
    """What is wrong with the file as a whole: the columns the import needs, then rows to import.
    Each is said once, not on every row."""
    missing = [column for column in resource.required_columns if column not in csv_file.headers]
    if missing:
        return [(None, column, f"The file has no “{column}” column.") for column in missing]
    if not csv_file.rows:
        return [(None, None, "The file has a header but no rows.")]
    return []


def ignored_columns(resource, headers):
    """Columns the import does not know (a typo, a column of another file) and leaves alone."""
    known = {field.column_name for field in resource.get_user_visible_fields()}
    return [header for header in headers if header not in known]


@dataclass
class CheckedRow:
    """One row after its check: what importing it does (NEW, UPDATE, SKIP) or its problems."""

    number: int
    import_type: str
    instance: object
    original: object  # the record as it was, for an UPDATE
    problems: list  # [(row number, column or None, message)]


class Importer:
    """Checks and writes the rows of one file with one resource instance (whose `References` and
    in-file duplicate checks then cover every row it sees)."""

    def __init__(self, resource, csv_file, user=None):
        self.resource = resource
        self.csv_file = csv_file
        self.user = user
        self.loader = BatchInstanceLoader(resource)
        self.column_of = {field.attribute: field.column_name for field in resource.fields.values() if field.attribute}

    def check(self, start, stop):
        """Rows start+1..stop as CheckedRows; reads only."""
        rows = [self.csv_file.row(index) for index in range(start, stop)]
        self.loader.load(rows)
        checked = []
        for number, row in enumerate(rows, start=start + 1):
            # dry_run without transactions: import-export cleans, validates and compares, but saves nothing.
            result = self.resource.import_row(
                row, self.loader, dry_run=True, using_transactions=False, row_number=number
            )
            problems = self.problems(number, result)
            checked.append(CheckedRow(number, result.import_type, result.instance, result.original, problems))
        return checked

    def problems(self, number, result):
        if result.validation_error is not None:
            error = result.validation_error
            if not hasattr(error, "error_dict"):
                return [(number, None, message) for message in error.messages]
            return [
                (number, None if name == NON_FIELD_ERRORS else self.column_of.get(name, name), message)
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        return [(number, None, str(error.error)) for error in result.errors]

    def save(self, rows):
        """Writes checked rows (in the caller's transaction): new records whole, changed ones
        only in the columns whose values changed, so an edit made meanwhile to anything else stays."""
        added, changed = [], []
        for row in rows:
            if row.import_type == NEW:
                row.instance.save(force_insert=True)
                added.append(row.instance)
            elif row.import_type == UPDATE:
                row.instance.save(update_fields=changed_fields(row.original, row.instance))
                changed.append(row.instance)
        if self.user is not None:
            for instances, flag in ((added, ADDITION), (changed, CHANGE)):
                if instances:
                    LogEntry.objects.log_actions(self.user.pk, instances, flag, "Imported from a CSV file.")


def changed_fields(original, instance):
    fields = instance._meta.concrete_fields
    return [
        field.name
        for field in fields
        if not field.primary_key
        and (getattr(field, "auto_now", False) or getattr(original, field.attname) != getattr(instance, field.attname))
    ]


@dataclass
class Outcome:
    """What checking (or writing) rows found: counts by kind and the problems, by row."""

    totals: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)

    def add(self, rows):
        for row in rows:
            if row.problems:
                self.problems.extend(row.problems)
            else:
                self.totals[row.import_type] += 1


def check_rows(resource, csv_file, *, after_batch=None):
    outcome = Outcome(problems=file_problems(resource, csv_file))
    if outcome.problems:
        return outcome
    importer = Importer(resource, csv_file)
    total = len(csv_file.rows)
    for start in range(0, total, BATCH_ROWS):
        stop = min(total, start + BATCH_ROWS)
        outcome.add(importer.check(start, stop))
        if after_batch:
            after_batch(stop, outcome)
    return outcome


# -- imports that editors start and follow in the admin (CsvImport) --------------------------------


def create_import(kind, file_name, csv_file, text, user):
    resource = RESOURCES[kind]()
    return CsvImport.objects.create(
        kind=kind,
        file_name=file_name[:255],
        text=text,
        created_by=user,
        total_rows=len(csv_file.rows),
        ignored_columns=ignored_columns(resource, csv_file.headers),
    )


def check_import(csv_import):
    """The check step: reads every row and writes nothing but the import's own progress."""
    csv_import = CsvImport.objects.get(pk=csv_import.pk)
    if csv_import.status != CsvImport.Status.CHECKING:
        return  # a repeated task: already checked

    def record_progress(rows_checked, outcome):
        CsvImport.objects.filter(pk=csv_import.pk).update(rows_checked=rows_checked, updated_at=timezone.now())
        batch_done.send(sender=CsvImport, csv_import=csv_import)

    try:
        outcome = check_rows(RESOURCES[csv_import.kind](), read_csv(csv_import.text), after_batch=record_progress)
    except Exception as error:  # whatever stopped it, the import must say so rather than hang
        logger.exception("CSV import check stopped", extra={"csv_import": csv_import.pk})
        refuse(csv_import, f"The check stopped unexpectedly ({error}); upload the file again.")
        return
    CsvImport.objects.filter(pk=csv_import.pk, status=CsvImport.Status.CHECKING).update(
        status=CsvImport.Status.REFUSED if outcome.problems else CsvImport.Status.READY,
        rows_checked=csv_import.total_rows,
        expected=dict(outcome.totals),
        problems=outcome.problems[:PROBLEMS_KEPT],
        problem_count=len(outcome.problems),
        updated_at=timezone.now(),
        finished_at=timezone.now() if outcome.problems else None,
    )


def mark_importing(csv_import):
    """A checked import (or a stopped one, to resume) is now importing; False when it was neither
    (already importing: a second click; refused)."""
    now = timezone.now()
    ready = CsvImport.objects.filter(pk=csv_import.pk, status__in=[CsvImport.Status.READY, CsvImport.Status.STOPPED])
    if not ready.update(status=CsvImport.Status.IMPORTING, stopped_because="", updated_at=now):
        return False
    CsvImport.objects.filter(pk=csv_import.pk, import_started_at=None).update(import_started_at=now)
    return True


def run_import(csv_import, *, seconds=None):
    """The import step: writes batches from where the import stands until it is done or stopped,
    or until `seconds` have passed. Returns True when there is nothing left to do."""
    try:
        csv_import = CsvImport.objects.defer("problems").get(pk=csv_import.pk)
        importer = Importer(RESOURCES[csv_import.kind](), read_csv(csv_import.text), user=csv_import.created_by)
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            if import_batch(csv_import, importer):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
    except Exception as error:  # whatever stopped it, the import must say so rather than hang
        logger.exception("CSV import stopped", extra={"csv_import": csv_import.pk})
        stop_import(csv_import, f"an unexpected error ({error}).")
        return True


def import_batch(csv_import, importer):
    """Prepares the next batch outside any transaction, then writes it and the progress in one.
    Returns True when the import is done or stopped."""
    progress = CsvImport.objects.values("status", "rows_imported").get(pk=csv_import.pk)
    if progress["status"] != CsvImport.Status.IMPORTING:
        return True
    start = progress["rows_imported"]
    total = len(importer.csv_file.rows)
    rows = importer.check(start, min(total, start + BATCH_ROWS))
    failed = next((row for row in rows if row.problems), None)
    good = rows[: rows.index(failed)] if failed else rows
    try:
        with transaction.atomic():
            locked = CsvImport.objects.select_for_update().only("status", "rows_imported", "imported")
            locked = locked.get(pk=csv_import.pk)
            if (locked.status, locked.rows_imported) != (CsvImport.Status.IMPORTING, start):
                return locked.status != CsvImport.Status.IMPORTING  # another run of this import got here first
            with cache_keys.batched():  # one invalidation for the batch, not one per row
                importer.save(good)
            record_written(locked, good, failed, total)
    except DatabaseError as error:
        refused = f"rows {start + 1}–{start + len(good)}" if len(good) > 1 else f"row {start + 1}"
        stop_import(csv_import, f"the database refused {refused} ({error}).")
        return True
    batch_done.send(sender=CsvImport, csv_import=csv_import)
    return failed is not None or start + len(good) == total


def record_written(locked, written, failed, total):
    """The progress of the batch just written, in its transaction (`locked` is the import as it
    stood, locked)."""
    imported = Counter(locked.imported)
    imported.update(row.import_type for row in written)
    done = locked.rows_imported + len(written)
    now = timezone.now()
    changes = {"rows_imported": done, "imported": dict(imported), "updated_at": now}
    if failed is not None:
        reasons = (f"{column}: {message}" if column else message for _, column, message in failed.problems)
        changes |= {"status": CsvImport.Status.STOPPED, "stopped_because": "; ".join(reasons)}
    elif done == total:
        changes |= {"status": CsvImport.Status.DONE, "finished_at": now}
    CsvImport.objects.filter(pk=locked.pk).update(**changes)


def stop_import(csv_import, reason):
    CsvImport.objects.filter(pk=csv_import.pk, status=CsvImport.Status.IMPORTING).update(
        status=CsvImport.Status.STOPPED, stopped_because=reason, updated_at=timezone.now()
    )


def refuse(csv_import, reason):
    CsvImport.objects.filter(pk=csv_import.pk, status=CsvImport.Status.CHECKING).update(
        status=CsvImport.Status.REFUSED,
        problems=[(None, None, reason)],
        problem_count=1,
        updated_at=timezone.now(),
        finished_at=timezone.now(),
    )
