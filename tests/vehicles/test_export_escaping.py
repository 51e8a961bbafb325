"""Exported CSV opens safely in a spreadsheet: every text cell that a spreadsheet would run as a
formula starts with a single quote, numbers stay numbers, and importing the export changes nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vehicles.models import CsvImport, MarketAvailability, Powertrain

HOSTILE = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(client, model_name):
    """The CSV bytes the admin's export view downloads, every column chosen."""
    export_url = f"/admin/vehicles/{model_name}/export/"
    form = client.get(export_url).context["form"]
    chosen = {name: "on" for name in form.fields if name.startswith(f"{model_name}resource_")}
    response = client.post(export_url, {"format": "0", "resource": "0", **chosen})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content


def rows_of(content):
    return list(csv.DictReader(io.StringIO(content.decode(), newline="")))


def import_through_admin(client, content):
    upload = SimpleUploadedFile("powertrains.csv", content, content_type="text/csv")
    checked = client.post("/admin/vehicles/powertrain/import/", {"import_file": upload})
    assert checked.status_code == 302, checked.text
    assert client.post(checked["Location"]).status_code == 302
    assert CsvImport.objects.get().status == CsvImport.Status.DONE, CsvImport.objects.get().problems


@pytest.mark.parametrize("value", HOSTILE)
def test_a_text_cell_that_starts_a_formula_is_quoted(client, editor, toyotas, value):
    MarketAvailability.objects.filter(vehicle_model=toyotas["tundra"]).update(note=value)
    client.force_login(editor)

    rows = rows_of(export(client, "marketavailability"))

    tundra_notes = {row["note"] for row in rows if row["model"] == "Tundra"}
    assert tundra_notes == {"'" + value}
    assert "Camry" in {row["model"] for row in rows}  # an ordinary value is untouched
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row.values())


def test_numbers_stay_numbers_and_only_text_is_quoted(client, site_admin, toyotas):
    powertrain = Powertrain.objects.filter(vehicle_model=toyotas["tundra"]).first()
    # The model refuses a negative torque on save; a number field holding one must still export as a number.
    Powertrain.objects.filter(pk=powertrain.pk).update(name="-1+2", torque_nm=Decimal("-12"), aspiration="-12")
    client.force_login(site_admin)

    (row,) = [row for row in rows_of(export(client, "powertrain")) if row["name"] == "'-1+2"]

    assert row["torque_nm"] == "-12.0"  # the number field: a number
    assert row["aspiration"] == "'-12"  # the same characters in a text field: text
    assert Decimal(row["power_kw"]) == powertrain.power_kw
    assert row["cylinders"] == str(powertrain.cylinders)


def powertrain_texts():
    return sorted(Powertrain.objects.values_list("name", "transmission", "power_kw", "torque_nm"))


def test_importing_our_own_export_changes_nothing(client, editor, toyotas):
    # Texts that already start with a quote before a formula character keep exactly that quote.
    texts = [*HOSTILE, "'=1+1", "''@x", "'Camry", "Camry"]
    for number, text in enumerate(texts, start=1):
        Powertrain.objects.create(
            vehicle_model=toyotas["camry"],
            name=f"{text} #{number}",  # the import treats names alike apart from surrounding spaces
            engine_type="ice",
            fuel_type="gasoline",
            power_kw=100 + number,
            transmission=text,
        )
    before = powertrain_texts()
    client.force_login(editor)

    exported = export(client, "powertrain")
    import_through_admin(client, exported)

    assert powertrain_texts() == before
    assert export(client, "powertrain") == exported  # so every later round trip is the same again
