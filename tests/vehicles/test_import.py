"""CSV import and export: the check names each problem by row and column; a bad file saves nothing."""

import html
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vehicles import importing
from vehicles.models import CsvImport, Market, MarketAvailability, Powertrain, VehicleModel
from vehicles.resources import MarketAvailabilityResource, PowertrainResource, VehicleModelResource

POWERTRAIN_HEADER = "make,model,name,engine_type,fuel_type,displacement_cc,cylinders,power_kw,torque_nm,transmission\n"

BAD_POWERTRAINS = (
    POWERTRAIN_HEADER
    + "Toyota,Tundra,i-FORCE 3.4 L tuned,ice,gasoline,3445,6,300,650,10-speed automatic\n"  # row 1: fine
    + "Toyota,Tundra,Big one,ice,gasoline,3445,6,lots,650,\n"  # row 2: bad number
    + "Zastava,Yugo,1.1 L,ice,gasoline,1116,4,40,,\n"  # row 3: unknown make
    + "Toyota,Tundra,i-FORCE 3.4 L tuned,ice,gasoline,3445,6,300,650,10-speed automatic\n"  # row 4: duplicate of 1
    + "Toyota,Corolla,1.8 L,hev,gasoline,1798,4,103,,\n"  # row 5: unknown model
    + "Toyota,Camry,Silly,ice,gasoline,2487,4,37285,,\n"  # row 6: 50,000 hp
    + "Toyota,Camry,Strange,steam,coal,2487,4,100,,\n"  # row 7: bad choices
)

GOOD_POWERTRAINS = (
    POWERTRAIN_HEADER
    + "Toyota,Tundra,i-FORCE 3.4 L tuned,ice,gasoline,3445,6,300,650,10-speed automatic\n"
    + "toyota,camry,2.5 L hybrid (FWD),Hybrid,Gasoline,2487,4,170.5,,e-CVT\n"  # updates the demo's figure
)


def check_csv(resource, text):
    """The check of an import, without the import: an Outcome (problems by row and column)."""
    try:
        csv_file = importing.read_csv(text)
    except importing.UnreadableFile as error:
        return importing.Outcome(problems=[(None, None, str(error))])
    return importing.check_rows(resource, csv_file)


def import_csv(kind, text, *, user=None, file_name="import.csv"):
    """Check and, when the check finds no problem, import CSV text now, as the task worker would
    (``vehicles.tasks``); the CsvImport, as the admin shows it."""
    csv_import = importing.create_import(kind, file_name, importing.read_csv(text), text, user)
    importing.check_import(csv_import)
    if importing.mark_importing(csv_import):
        importing.run_import(csv_import)
    csv_import.refresh_from_db()
    return csv_import


@pytest.fixture
def demo_vehicles(toyotas):
    return toyotas


def snapshot():
    return sorted(Powertrain.objects.values_list("vehicle_model__name", "name", "power_kw"))


def problems_of(resource, text):
    return check_csv(resource, text).problems


def test_the_check_lists_each_problem_by_row_and_column_and_saves_nothing(demo_vehicles):
    before = snapshot()
    problems = {(row, column): message for row, column, message in problems_of(PowertrainResource(), BAD_POWERTRAINS)}
    assert problems[(2, "power_kw")] == "“lots” is not a number."
    assert problems[(3, "make")] == "No make named “Zastava”: add the make in the admin first."
    assert problems[(4, "name")] == "Row 1 has the same make and model and name."
    assert problems[(5, "model")] == "Toyota has no model named “Corolla”: import or add the model first."
    assert "less than or equal to 2000" in problems[(6, "power_kw")]
    assert problems[(7, "engine_type")].startswith("“steam” is not one of: ice, hev")
    assert problems[(7, "fuel_type")].startswith("“coal” is not one of")
    assert 1 not in {row for row, _ in problems}  # the good row is not blamed
    assert snapshot() == before


def test_a_file_with_any_problem_is_refused_whole(demo_vehicles):
    before = snapshot()
    csv_import = import_csv("powertrain", BAD_POWERTRAINS)
    assert csv_import.status == CsvImport.Status.REFUSED
    assert csv_import.problem_count == 7
    assert snapshot() == before  # row 1 was valid, but nothing is imported from a file with problems


def test_a_missing_column_is_named_once(demo_vehicles):
    text = "make,model,name,engine_type,fuel_type\nToyota,Tundra,X,ice,gasoline\nToyota,Camry,Y,ice,gasoline\n"
    assert problems_of(PowertrainResource(), text) == [(None, "power_kw", "The file has no “power_kw” column.")]


def test_a_good_file_imports_after_its_check(demo_vehicles):
    checked = check_csv(PowertrainResource(), GOOD_POWERTRAINS)
    assert checked.problems == [] and checked.totals == {"new": 1, "update": 1}
    assert not Powertrain.objects.filter(name="i-FORCE 3.4 L tuned").exists()
    csv_import = import_csv("powertrain", GOOD_POWERTRAINS)
    assert csv_import.status == CsvImport.Status.DONE
    assert csv_import.imported == {"new": 1, "update": 1}
    assert Powertrain.objects.get(name="i-FORCE 3.4 L tuned").vehicle_model == demo_vehicles["tundra"]
    assert str(Powertrain.objects.get(name="2.5 L hybrid (FWD)").power_kw) == "170.5"


def test_export_then_import_round_trips(demo_vehicles):
    exported = PowertrainResource().export().csv
    assert exported.splitlines()[0].startswith("make,model,name,engine_type")
    assert "Toyota,Tundra,i-FORCE MAX 3.4 L twin-turbo V6 hybrid,hev,gasoline,3445,6,twin-turbo,325.9,790.4" in exported
    before = snapshot()
    csv_import = import_csv("powertrain", exported)
    assert csv_import.status == CsvImport.Status.DONE, csv_import.problems
    assert csv_import.imported == {"skip": Powertrain.objects.count()}
    assert snapshot() == before


def test_vehicle_models_import_with_slugs_made_for_them(demo_vehicles):
    text = (
        "make,name,vehicle_type,body_class,segment\n"
        "Ford,F-150,Truck,Pickup,Full-size pickup\n"
        "Ford,Maverick,truck,Pickup,Compact pickup\n"
    )
    csv_import = import_csv("vehiclemodel", text)
    assert csv_import.status == CsvImport.Status.DONE, csv_import.problems
    assert VehicleModel.objects.get(slug="f-150").make.name == "Ford"


def test_vehicle_model_problems(demo_vehicles):
    text = (
        "make,name,vehicle_type,body_class\n"
        "Ford,F-150,Truck,Pickup\n"
        "Ford,F-150,Truck,Pickup\n"
        "Nope,Thing,Truck,Pickup\n"
        "Ford,Bronco,spaceship,\n"
    )
    problems = {(row, column) for row, column, _ in problems_of(VehicleModelResource(), text)}
    assert problems == {(2, "name"), (3, "make"), (4, "vehicle_type"), (4, "body_class")}
    assert not VehicleModel.objects.filter(make__slug="ford").exists()


def test_two_new_rows_that_would_clash_in_the_database_are_refused(demo_vehicles):
    """Nothing is written while checking, so the database cannot see two new rows of one file
    clash on a unique constraint; the check compares the rows with each other."""
    text = "make,name,vehicle_type,body_class\nFord,F-150,Truck,Pickup\nFord,F 150,Truck,Pickup\n"
    assert problems_of(VehicleModelResource(), text) == [(2, "slug", "Row 1 has the same make and slug (“f-150”).")]
    existing = "make,name,slug,vehicle_type,body_class\nToyota,Tundra 2,tundra,truck,Pickup\n"
    (problem,) = problems_of(VehicleModelResource(), existing)  # and with the records already there
    assert problem[:2] == (1, None) and "already exists" in problem[2]


@pytest.mark.parametrize(
    "text", ["", "\n\n", "just one line", "a,b\n1,2\n", '"unterminated,\n', "make,model\n" + "x," * 5000]
)
def test_hostile_files_are_refused_with_a_reason(demo_vehicles, text):
    before = snapshot()
    problems = problems_of(PowertrainResource(), text)
    assert problems and all(message for _, _, message in problems)
    assert snapshot() == before


def page_text(response):
    """What a reader of the page sees: no tags, entities decoded, single spaces."""
    content = response.content.decode()
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content)))


def upload(text):
    return SimpleUploadedFile("powertrains.csv", text.encode(), content_type="text/csv")


IMPORT_BUTTON = 'type="submit" class="default" value="Import'


def test_editor_imports_a_bad_file_sees_it_refused_then_a_good_one(client, editor, demo_vehicles):
    client.force_login(editor)
    before = snapshot()

    refused = client.post("/admin/vehicles/powertrain/import/", {"import_file": upload(BAD_POWERTRAINS)}, follow=True)
    assert refused.redirect_chain[0][1] == 302
    page = page_text(refused)
    assert "Refused: the file has problems" in page
    assert "“lots” is not a number." in page
    assert "No make named “Zastava”" in page
    assert "Row 1 has the same make and model and name." in page
    assert IMPORT_BUTTON not in refused.text  # nothing to confirm for a bad file
    assert snapshot() == before

    checked = client.post("/admin/vehicles/powertrain/import/", {"import_file": upload(GOOD_POWERTRAINS)}, follow=True)
    assert "Importing will add 1, update 1 and leave 0 unchanged." in page_text(checked)
    assert IMPORT_BUTTON in checked.text
    assert snapshot() == before  # the check writes nothing
    (page_url, _) = checked.redirect_chain[-1]
    imported = client.post(page_url, follow=True)
    assert imported.redirect_chain == [(page_url, 302)]
    assert "Imported in" in page_text(imported) and "1 new, 1 updated, 0 unchanged." in page_text(imported)
    assert Powertrain.objects.filter(name="i-FORCE 3.4 L tuned").exists()
    assert client.post(page_url).status_code == 302  # a second click imports nothing twice
    assert CsvImport.objects.get(status=CsvImport.Status.DONE).imported == {"new": 1, "update": 1}


def test_editor_exports_csv(client, editor, demo_vehicles):
    client.force_login(editor)
    form = client.get("/admin/vehicles/powertrain/export/").context["form"]
    chosen = {name: "on" for name in form.fields if name.startswith("powertrainresource_")}
    response = client.post("/admin/vehicles/powertrain/export/", {"format": "0", "resource": "0", **chosen})
    assert response.status_code == 200
    assert "i-FORCE MAX" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "The submitted file is empty."),
        (b"\xff\xfe\x00garbage\x00", "The file is not UTF-8 text (byte 0xff at position 0)"),
        (b"make,model\n" + b"x," * 5000, "Row 1 has 5001 cells, but the header names 2 columns."),
        (b"<html><script>alert(1)</script></html>", "The file has no “make” column."),
        (b"make,model,name,engine_type,fuel_type,power_kw\n", "The file has a header but no rows."),
        (b'make,model\n"unterminated,\n', "The file has no “name” column."),
        (b"make,model,name\nToyota,Camry," + b"x" * 200_000 + b"\n", "field larger than field limit"),
        (b"make,make,model\nToyota,Toyota,Camry\n", "The header names these columns more than once: make."),
        (b"make,model\x00\n", "The file holds NUL characters"),
        ("make;model;name\nToyota;Camry;é\n".encode("latin-1"), "The file is not UTF-8 text (byte 0xe9"),
    ],
)
def test_admin_import_of_a_hostile_file_says_why_and_never_500s(client, editor, demo_vehicles, content, error):
    client.force_login(editor)
    before = snapshot()
    file = SimpleUploadedFile("evil.csv", content, content_type="text/csv")
    response = client.post("/admin/vehicles/powertrain/import/", {"import_file": file})
    assert response.status_code == 200
    assert error in page_text(response)
    assert "<script>alert(1)" not in response.text
    assert not CsvImport.objects.exists()
    assert snapshot() == before


def test_a_file_over_the_size_limit_is_refused(client, editor, demo_vehicles, monkeypatch):
    monkeypatch.setattr("vehicles.importing.MAX_UPLOAD_BYTES", 2**20)
    client.force_login(editor)
    three_megabytes = POWERTRAIN_HEADER + "Toyota,Tundra,X,ice,gasoline,,,300,,\n" * 80_000
    response = client.post("/admin/vehicles/powertrain/import/", {"import_file": upload(three_megabytes)})
    assert "The file is 3 MB; an import takes up to 1 MB: split it into several files." in page_text(response)
    assert not CsvImport.objects.exists()


def test_only_those_who_may_change_vehicle_records_may_import(client, writer, editor, demo_vehicles):
    csv_import = import_csv("powertrain", GOOD_POWERTRAINS, user=editor)
    client.force_login(writer)  # may view vehicle models, not change them
    assert client.get("/admin/vehicles/vehiclemodel/import/").status_code == 403
    assert (
        client.post("/admin/vehicles/powertrain/import/", {"import_file": upload(GOOD_POWERTRAINS)}).status_code == 403
    )
    assert client.get(f"/admin/vehicles/powertrain/import/{csv_import.pk}/").status_code == 403
    assert "import_link" not in client.get("/admin/vehicles/vehiclemodel/").text
    client.force_login(editor)
    assert "import_link" in client.get("/admin/vehicles/vehiclemodel/").text
    assert client.get(f"/admin/vehicles/marketavailability/import/{csv_import.pk}/").status_code == 404


LAUNCH_HEADER = "make,model,market,status,announced_on,start,end,source_plant,source_country,note\n"


def test_market_launches_export_as_typed_and_round_trip(demo_vehicles):
    exported = MarketAvailabilityResource().export().csv
    assert "Toyota,Tundra,JP,announced,2025-12-19,2026,,TMMTX,US," in exported
    assert "Toyota,Camry,JP,discontinued,,,2023,,," in exported
    csv_import = import_csv("marketavailability", exported)
    assert csv_import.status == CsvImport.Status.DONE, csv_import.problems
    launch = MarketAvailability.objects.get(vehicle_model=demo_vehicles["tundra"], status="announced")
    assert (launch.start_display, launch.source_plant.code) == ("2026", "TMMTX")


def test_market_launch_import_sets_dates_and_precision(demo_vehicles):
    Market.objects.create(name="Australia", country="AU", slug="australia", steering_side="right")
    text = LAUNCH_HEADER + "Toyota,Tundra,AU,announced,2026-11-01,2027-06,,TMMTX,,Right-hand drive conversion\n"
    csv_import = import_csv("marketavailability", text)
    assert csv_import.status == CsvImport.Status.DONE, csv_import.problems
    launch = MarketAvailability.objects.get(market__country="AU")
    assert (launch.start, launch.start_precision) == (date(2027, 6, 1), "month")


def test_market_launch_problems_are_named_by_row_and_column(demo_vehicles):
    before = list(MarketAvailability.objects.values_list("id", "start", "end", "status"))
    text = (
        LAUNCH_HEADER
        + "Toyota,Tundra,XX,announced,,2026,,,,\n"  # 1: unknown market
        + "Toyota,Tundra,JP,announced,19/12/2025,2026-13,,,,\n"  # 2: bad dates
        + "Toyota,Camry,JP,on_sale,,2027,2026,,,\n"  # 3: end before start
        + "Toyota,Camry,JP,on_sale,,2027,,NOPE,,\n"  # 4: duplicate of 3, unknown plant
    )
    problems = {(row, column) for row, column, _ in problems_of(MarketAvailabilityResource(), text)}
    assert problems == {
        (1, "market"),
        (2, "announced_on"),
        (2, "start"),
        (3, "end"),
        (4, "source_plant"),
        (4, "status"),
    }
    assert list(MarketAvailability.objects.values_list("id", "start", "end", "status")) == before
