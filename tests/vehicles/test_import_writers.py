"""A CSV import beside other writers (issue 13): the check writes nothing and holds no lock, the
import writes in short batches that other editors' saves slot in between, and the admin shows how
far it has got, what it did, and where and why it stopped.

Batches are made tiny here (two rows) and the other writer acts at `batch_done`, the moment
between two batches, so the interleaving is the same on every run."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from tests.vehicles.test_import import POWERTRAIN_HEADER, page_text, upload
from vehicles import importing, tasks
from vehicles.models import CsvImport, Market, Powertrain, VehicleModel

FIVE_NEW_POWERTRAINS = POWERTRAIN_HEADER + "".join(
    f"Toyota,{model},Test engine {number},ice,gasoline,2487,4,{150 + number},,\n"
    for number, model in enumerate(["Camry", "Tundra", "Camry", "Highlander", "Tundra"], start=1)
)
IMPORT_URL = "/admin/vehicles/powertrain/import/"


@pytest.fixture(autouse=True)
def two_rows_a_batch(monkeypatch):
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)


@pytest.fixture
def at_each_batch():
    """Registers a function to run at `batch_done`, between two batches; unregistered after."""
    receivers = []

    def register(function):
        def receiver(sender, csv_import, **kwargs):
            function(CsvImport.objects.defer("text").get(pk=csv_import.pk))

        importing.batch_done.connect(receiver, weak=False)
        receivers.append(receiver)

    yield register
    for receiver in receivers:
        importing.batch_done.disconnect(receiver)


def in_another_thread(function):
    """Runs function on another thread, so with a database connection of its own, as another
    editor's request or the worker would; returns what it returned or raises what it raised."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except Exception as error:  # re-raised below, on the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def write_without_waiting(name):
    """Another writer that will not wait for a lock (SQLite: no busy timeout; PostgreSQL: a lock
    timeout): renames Japan, in a transaction of its own."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0" if connection.vendor == "sqlite" else "SET lock_timeout = '100ms'")
    with transaction.atomic():
        Market.objects.filter(country="JP").update(name=name)
    return name


def imported_powertrains():
    return sorted(Powertrain.objects.filter(name__startswith="Test engine").values_list("name", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_check_writes_nothing_and_another_writer_commits_while_it_runs(toyotas, editor, at_each_batch):
    csv_file = importing.read_csv(FIVE_NEW_POWERTRAINS)
    csv_import = importing.create_import("powertrain", "five.csv", csv_file, FIVE_NEW_POWERTRAINS, editor)
    events = []

    def another_writer(checking):
        assert not connection.in_atomic_block  # the check holds no transaction open …
        events.append(f"checked {checking.rows_checked}")
        if checking.rows_checked == 2:  # … so another writer gets the write lock at once
            events.append(f"other writer committed {in_another_thread(lambda: write_without_waiting('Nippon'))}")

    at_each_batch(another_writer)
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        importing.check_import(csv_import)

    assert events == ["checked 2", "other writer committed Nippon", "checked 4", "checked 5"]
    writes = [sql for sql in statements if not sql.lstrip().upper().startswith("SELECT")]
    assert writes and all(sql.startswith('UPDATE "vehicles_csvimport"') for sql in writes), writes
    csv_import.refresh_from_db()
    assert (csv_import.status, csv_import.expected) == (CsvImport.Status.READY, {"new": 5})
    assert imported_powertrains() == []
    assert Market.objects.get(country="JP").name == "Nippon"


@pytest.mark.django_db(transaction=True)
def test_an_editor_saves_in_the_admin_between_two_batches_of_an_import(toyotas, editor, other_writer, at_each_batch):
    from django.contrib.auth.models import Group

    from newsroom.core.roles import EDITOR

    other_writer.groups.add(Group.objects.get(name=EDITOR))
    japan = Market.objects.get(country="JP")
    events = []

    def another_editor_saves(importing_now):
        events.append(f"batch written: {importing_now.rows_imported} rows")
        if importing_now.rows_imported != 2:
            return

        def save_japan():
            browser = Client()
            browser.force_login(other_writer)
            form = {"name": "Japan (JDM)", "country": "JP", "slug": japan.slug, "steering_side": "right"}
            return browser.post(f"/admin/vehicles/market/{japan.pk}/change/", form)

        response = in_another_thread(save_japan)
        assert response.status_code == 302, response.content
        events.append("other editor saved")

    client = Client()
    client.force_login(editor)
    checked = client.post(IMPORT_URL, {"import_file": upload(FIVE_NEW_POWERTRAINS)})
    at_each_batch(another_editor_saves)
    assert client.post(checked["Location"]).status_code == 302

    assert events == ["batch written: 2 rows", "other editor saved", "batch written: 4 rows", "batch written: 5 rows"]
    assert Market.objects.get(pk=japan.pk).name == "Japan (JDM)"
    assert imported_powertrains() == [f"Test engine {number}" for number in range(1, 6)]


@pytest.mark.django_db(transaction=True)
def test_the_admin_shows_the_progress_of_an_import_in_the_worker_and_its_result(
    toyotas, editor, at_each_batch, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(tasks, "INLINE_ROWS", 0)  # every file goes to the task worker …
    monkeypatch.setattr(tasks, "task_seconds", lambda: 0)  # … which queues the rest after each batch
    client = Client()
    client.force_login(editor)
    checked = client.post(IMPORT_URL, {"import_file": upload(FIVE_NEW_POWERTRAINS)})
    page_url = checked["Location"]
    pages_seen = []

    def editor_looks(importing_now):
        def look():
            browser = Client()
            browser.force_login(editor)
            return browser.get(page_url)

        pages_seen.append(in_another_thread(look))

    at_each_batch(editor_looks)
    assert client.post(page_url).status_code == 302

    first = pages_seen[0]
    assert '<meta http-equiv="refresh" content="2">' in first.text  # it reloads itself meanwhile
    assert "Importing" in page_text(first)
    assert "2 of 5 rows imported (40%)" in page_text(first)
    assert "So far: 2 new, 0 updated, 0 unchanged." in page_text(first)
    assert "4 of 5 rows imported (80%)" in page_text(pages_seen[1])
    with django_assert_num_queries(5):  # session, editor, its permissions (2), the import: whatever the file
        after = client.get(page_url)
    assert "Imported in" in page_text(after) and "5 new, 0 updated, 0 unchanged." in page_text(after)
    assert 'http-equiv="refresh"' not in after.text
    listed = page_text(client.get(IMPORT_URL))
    assert "Recent imports" in listed and "powertrains.csv eddie-editor" in listed and "5 Imported" in listed
    assert imported_powertrains() == [f"Test engine {number}" for number in range(1, 6)]


def test_a_row_that_fails_at_write_time_stops_the_import_there_and_it_carries_on_later(toyotas, client, editor):
    client.force_login(editor)
    checked = client.post(IMPORT_URL, {"import_file": upload(FIVE_NEW_POWERTRAINS)})
    page_url = checked["Location"]
    # Between the check and the import, someone renames the model row 4 names.
    VehicleModel.objects.filter(name="Highlander").update(name="Highlander Hybrid", slug="highlander-hybrid")

    response = client.post(page_url, follow=True)
    stopped = page_text(response)

    # Rows 1-3 are written (row 3 was in the batch with row 4), row 4 and after are not.
    assert imported_powertrains() == ["Test engine 1", "Test engine 2", "Test engine 3"]
    assert (
        "The import stopped at row 4: model: Toyota has no model named “Highlander”: import or add the model first."
        in stopped
    )
    assert "Rows 1–3 were imported and stay. Rows 4–5 were not." in stopped
    assert "So far: 3 new, 0 updated, 0 unchanged." in stopped
    assert 'value="Try again from row 4"' in response.text

    VehicleModel.objects.filter(name="Highlander Hybrid").update(name="Highlander", slug="highlander")
    finished = page_text(client.post(page_url, follow=True))
    assert "5 new, 0 updated, 0 unchanged." in finished
    assert imported_powertrains() == [f"Test engine {number}" for number in range(1, 6)]


def test_an_import_cut_off_by_a_dead_worker_says_so_and_the_next_run_carries_on(toyotas, client, editor, monkeypatch):
    monkeypatch.setattr(tasks, "INLINE_ROWS", 0)
    csv_file = importing.read_csv(FIVE_NEW_POWERTRAINS)
    csv_import = importing.create_import("powertrain", "five.csv", csv_file, FIVE_NEW_POWERTRAINS, editor)
    importing.check_import(csv_import)
    assert importing.mark_importing(csv_import)
    # A worker writes one batch, then dies before it queues the rest.
    assert importing.run_import(csv_import, seconds=0) is False
    CsvImport.objects.filter(pk=csv_import.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    client.force_login(editor)

    page = page_text(client.get(f"{IMPORT_URL}{csv_import.pk}/"))

    assert "2 of 5 rows imported (40%)" in page
    assert "Nothing has moved since" in page and "Is the task worker running" in page
    tasks.import_task.call(csv_import.pk)  # the task, requeued after its lease, runs on another worker
    csv_import.refresh_from_db()
    assert (csv_import.status, csv_import.rows_imported, csv_import.imported) == ("done", 5, {"new": 5})
    assert imported_powertrains() == [f"Test engine {number}" for number in range(1, 6)]


def test_a_file_with_many_problems_shows_the_first_ones_and_counts_them_all(toyotas, client, editor, monkeypatch):
    monkeypatch.setattr(importing, "PROBLEMS_KEPT", 3)
    client.force_login(editor)
    ten_bad_rows = POWERTRAIN_HEADER + "".join(
        f"Toyota,Camry,X{number},ice,gasoline,,,lots,,\n" for number in range(10)
    )
    page = page_text(client.post(IMPORT_URL, {"import_file": upload(ten_bad_rows)}, follow=True))
    assert "Nothing was imported: the file has 10 problems." in page
    assert "The first 3 of 10 problems" in page
    assert "3 power_kw “lots” is not a number." in page and "4 power_kw" not in page


def test_columns_the_import_does_not_know_are_named(toyotas, client, editor):
    client.force_login(editor)
    text = POWERTRAIN_HEADER.replace("\n", ",colour\n") + "Toyota,Camry,Test engine 1,ice,gasoline,,,150,,,red\n"
    page = page_text(client.post(IMPORT_URL, {"import_file": upload(text)}, follow=True))
    assert "Columns the import does not know, left alone: colour." in page


def test_the_import_page_lists_the_latest_imports_in_a_fixed_number_of_queries(
    toyotas, client, editor, django_assert_num_queries
):
    csv_file = importing.read_csv(FIVE_NEW_POWERTRAINS)
    for number in range(12):
        importing.create_import("powertrain", f"file-{number}.csv", csv_file, FIVE_NEW_POWERTRAINS, editor)
    importing.create_import("marketavailability", "launches.csv", csv_file, FIVE_NEW_POWERTRAINS, editor)
    client.force_login(editor)
    with django_assert_num_queries(5):  # session, editor, its permissions (2), the latest imports
        page = page_text(client.get(IMPORT_URL))
    listed = [f"file-{number}.csv" for number in range(12) if f"file-{number}.csv " in page]
    assert listed == [f"file-{number}.csv" for number in range(2, 12)]  # the latest ten, of powertrains only
    assert "launches.csv" not in page
