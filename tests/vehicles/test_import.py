"""CSV import and export: a dry run names each problem by row and column; a bad file saves nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vehicles.models import Market, MarketAvailability, Powertrain, VehicleModel
from vehicles.resources import (
    MarketAvailabilityResource,
    PowertrainResource,
    VehicleModelResource,
    import_csv,
    row_problems,
)

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


@pytest.fixture
def demo_vehicles(toyotas):
    return toyotas


def snapshot():
    return sorted(Powertrain.objects.values_list("vehicle_model__name", "name", "power_kw"))


def test_dry_run_lists_each_problem_by_row_and_column_and_saves_nothing(demo_vehicles):
    before = snapshot()
    result = import_csv(PowertrainResource(), BAD_POWERTRAINS, dry_run=True)
    problems = {(row, column): message for row, column, message in row_problems(result)}
    assert problems[(2, "power_kw")] == "“lots” is not a number."
    assert problems[(3, "make")] == "No make named “Zastava”: add the make in the admin first."
    assert problems[(4, "name")] == "Row 1 has the same make and model and name."
    assert problems[(5, "model")] == "Toyota has no model named “Corolla”: import or add the model first."
    assert "less than or equal to 2000" in problems[(6, "power_kw")]
    assert problems[(7, "engine_type")].startswith("“steam” is not one of: ice, hev")
    assert problems[(7, "fuel_type")].startswith("“coal” is not one of")
    assert 1 not in {row for row, _ in problems}  # the good row is not blamed
    assert snapshot() == before


def test_a_bad_file_changes_nothing_even_when_committed(demo_vehicles):
    before = snapshot()
    result = import_csv(PowertrainResource(), BAD_POWERTRAINS, dry_run=False)
    assert result.has_validation_errors()
    assert snapshot() == before  # row 1 was valid, but the file is all-or-nothing


def test_missing_column_is_named_on_every_row(demo_vehicles):
    text = "make,model,name,engine_type,fuel_type\nToyota,Tundra,X,ice,gasoline\nToyota,Camry,Y,ice,gasoline\n"
    problems = row_problems(import_csv(PowertrainResource(), text, dry_run=True))
    assert (1, "power_kw", "The file has no “power_kw” column.") in problems
    assert (2, "power_kw", "The file has no “power_kw” column.") in problems


def test_a_good_file_imports_after_a_dry_run(demo_vehicles):
    dry = import_csv(PowertrainResource(), GOOD_POWERTRAINS, dry_run=True)
    assert not dry.has_errors() and not dry.has_validation_errors()
    assert not Powertrain.objects.filter(name="i-FORCE 3.4 L tuned").exists()
    result = import_csv(PowertrainResource(), GOOD_POWERTRAINS, dry_run=False)
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    assert Powertrain.objects.get(name="i-FORCE 3.4 L tuned").vehicle_model == demo_vehicles["tundra"]
    assert str(Powertrain.objects.get(name="2.5 L hybrid (FWD)").power_kw) == "170.5"


def test_export_then_import_round_trips(demo_vehicles):
    exported = PowertrainResource().export().csv
    assert exported.splitlines()[0].startswith("make,model,name,engine_type")
    assert "Toyota,Tundra,i-FORCE MAX 3.4 L twin-turbo V6 hybrid,hev,gasoline,3445,6,twin-turbo,325.9,790.4" in exported
    before = snapshot()
    result = import_csv(PowertrainResource(), exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert snapshot() == before


def test_vehicle_models_import_with_slugs_made_for_them(demo_vehicles):
    text = (
        "make,name,vehicle_type,body_class,segment\n"
        "Ford,F-150,Truck,Pickup,Full-size pickup\n"
        "Ford,Maverick,truck,Pickup,Compact pickup\n"
    )
    result = import_csv(VehicleModelResource(), text, dry_run=False)
    assert not result.has_validation_errors(), row_problems(result)
    assert VehicleModel.objects.get(slug="f-150").make.name == "Ford"


def test_vehicle_model_problems(demo_vehicles):
    text = (
        "make,name,vehicle_type,body_class\n"
        "Ford,F-150,Truck,Pickup\n"
        "Ford,F-150,Truck,Pickup\n"
        "Nope,Thing,Truck,Pickup\n"
        "Ford,Bronco,spaceship,\n"
    )
    problems = {
        (row, column) for row, column, _ in row_problems(import_csv(VehicleModelResource(), text, dry_run=True))
    }
    assert problems == {(2, "name"), (3, "make"), (4, "vehicle_type"), (4, "body_class")}
    assert not VehicleModel.objects.filter(make__slug="ford").exists()


@pytest.mark.parametrize(
    "text", ["", "\n\n", "just one line", "a,b\n1,2\n", '"unterminated,\n', "make,model\n" + "x," * 5000]
)
def test_hostile_files_never_raise(demo_vehicles, text):
    before = snapshot()
    result = import_csv(PowertrainResource(), text, dry_run=False)
    assert result is not None
    assert snapshot() == before


def upload(text):
    return SimpleUploadedFile("powertrains.csv", text.encode(), content_type="text/csv")


def test_editor_imports_a_bad_file_sees_it_refused_then_a_good_one(client, editor, demo_vehicles, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(editor)
    before = snapshot()

    refused = client.post("/admin/vehicles/powertrain/import/", {"format": "0", "import_file": upload(BAD_POWERTRAINS)})
    assert refused.status_code == 200
    page = refused.text
    assert "“lots” is not a number." in page
    assert "No make named “Zastava”" in page
    assert "Row 1 has the same make and model and name." in page
    assert 'name="import_file_name"' not in page  # no confirm button for a bad file
    assert snapshot() == before

    preview = client.post(
        "/admin/vehicles/powertrain/import/", {"format": "0", "import_file": upload(GOOD_POWERTRAINS)}
    )
    assert preview.status_code == 200
    assert snapshot() == before  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = client.post(
        "/admin/vehicles/powertrain/process_import/",
        {name: confirm[name].value() for name in ("import_file_name", "original_file_name", "format", "resource")},
    )
    assert response.status_code == 302
    assert Powertrain.objects.filter(name="i-FORCE 3.4 L tuned").exists()


def test_editor_exports_csv(client, editor, demo_vehicles):
    client.force_login(editor)
    form = client.get("/admin/vehicles/powertrain/export/").context["form"]
    chosen = {name: "on" for name in form.fields if name.startswith("powertrainresource_")}
    response = client.post("/admin/vehicles/powertrain/export/", {"format": "0", "resource": "0", **chosen})
    assert response.status_code == 200
    assert "i-FORCE MAX" in response.content.decode()


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00garbage\x00", b"make,model\n" + b"x," * 5000, b"<html><script>alert(1)</script></html>"],
)
def test_admin_import_of_a_hostile_file_never_500s(client, editor, demo_vehicles, settings, tmp_path, content):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(editor)
    before = snapshot()
    file = SimpleUploadedFile("evil.csv", content, content_type="text/csv")
    response = client.post("/admin/vehicles/powertrain/import/", {"format": "0", "import_file": file})
    assert response.status_code == 200
    assert 'name="import_file_name"' not in response.text
    assert "<script>alert(1)" not in response.text
    assert snapshot() == before


LAUNCH_HEADER = "make,model,market,status,announced_on,start,end,source_plant,source_country,note\n"


def test_market_launches_export_as_typed_and_round_trip(demo_vehicles):
    exported = MarketAvailabilityResource().export().csv
    assert "Toyota,Tundra,JP,announced,2025-12-19,2026,,TMMTX,US," in exported
    assert "Toyota,Camry,JP,discontinued,,,2023,,," in exported
    result = import_csv(MarketAvailabilityResource(), exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), row_problems(result)
    launch = MarketAvailability.objects.get(vehicle_model=demo_vehicles["tundra"], status="announced")
    assert (launch.start_display, launch.source_plant.code) == ("2026", "TMMTX")


def test_market_launch_import_sets_dates_and_precision(demo_vehicles):
    Market.objects.create(name="Australia", country="AU", slug="australia", steering_side="right")
    text = LAUNCH_HEADER + "Toyota,Tundra,AU,announced,2026-11-01,2027-06,,TMMTX,,Right-hand drive conversion\n"
    result = import_csv(MarketAvailabilityResource(), text, dry_run=False)
    assert not result.has_validation_errors(), row_problems(result)
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
    problems = {
        (row, column) for row, column, _ in row_problems(import_csv(MarketAvailabilityResource(), text, dry_run=True))
    }
    assert problems == {
        (1, "market"),
        (2, "announced_on"),
        (2, "start"),
        (3, "end"),
        (4, "source_plant"),
        (4, "status"),
    }
    assert list(MarketAvailability.objects.values_list("id", "start", "end", "status")) == before
