from datetime import date
from decimal import Decimal

import pytest

from articles.models import MarketReport
from vehicles.models import DatePrecision, Market, MarketAvailability, Powertrain, SteeringSide

DECODE_URL = "/admin/vehicles/wmi/decode-vin/"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_vin_tool_decodes_a_vin(editor_client, db):
    page = editor_client.get(DECODE_URL, {"vin": "1FTMW1T88MFA00001"}).text
    assert "Ford Motor Company" in page
    assert "United States" in page
    assert "<td>2021</td>" in page


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        ("1FTMW1T84MFA00001", "Character 9 should be 8, the check digit, but is 4"),
        ("1FTMW1T88MFA0000", "Character 17 is missing"),
        ("1FTMW1T88MFAO0001", "Character 13 is O, which never appears in a VIN"),
        ("1FTMW1T88UFA00001", "Character 10 is U, which is not a model-year code"),
        ("<script>alert(1)</script>", "Character 1 is &#x27;&lt;&#x27;, which is not a letter or digit"),
    ],
)
def test_vin_tool_shows_the_exact_problem(editor_client, db, vin, message):
    response = editor_client.get(DECODE_URL, {"vin": vin})
    assert response.status_code == 200
    assert message in response.text
    assert "<script>alert" not in response.text


def test_vin_tool_refuses_absurd_input_with_a_form_error(editor_client, db):
    response = editor_client.get(DECODE_URL, {"vin": "A" * 5000})
    assert response.status_code == 200
    assert "Ensure this value has at most 64 characters" in response.text


def test_vin_tool_is_for_staff_only(client, db):
    response = client.get(DECODE_URL, {"vin": "1FTMW1T88MFA00001"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_vin_tool_is_linked_from_the_wmi_list(editor_client, db):
    assert DECODE_URL in editor_client.get("/admin/vehicles/wmi/").text


def test_japan_launch_is_two_clicks_from_the_admin_index(editor_client, tundra):
    launch = MarketAvailability.objects.get(vehicle_model=tundra, market__country="JP", status="announced")
    changelist = "/admin/vehicles/marketavailability/"
    assert f'href="{changelist}"' in editor_client.get("/admin/").text  # click 1
    change_url = f"/admin/vehicles/marketavailability/{launch.pk}/change/"
    assert f'href="{change_url}' in editor_client.get(changelist).text  # click 2
    form = editor_client.get(change_url).text
    assert 'value="2026"' in form  # the partial date as it was typed


def test_availability_list_filters_and_search(editor_client, tundra):
    japan = Market.objects.get(country="JP")
    response = editor_client.get(
        "/admin/vehicles/marketavailability/",
        {
            "vehicle_model__make__id__exact": tundra.make_id,
            "vehicle_model__body_class": "Pickup",
            "market__id__exact": japan.pk,
            "status__exact": "announced",
        },
    )
    assert response.status_code == 200
    assert "Toyota Tundra" in response.text and "Toyota Camry" not in response.text
    searched = editor_client.get("/admin/vehicles/marketavailability/", {"q": "highlander"}).text
    assert "Toyota Highlander" in searched and "Toyota Tundra" not in searched


def availability_data(vehicle, market, **overrides):
    data = {
        "vehicle_model": vehicle.pk,
        "market": market.pk,
        "status": "announced",
        "announced_on": "",
        "start": "",
        "end": "",
        "source_plant": "",
        "source_country": "",
        "reported_in": "",
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def australia(db):
    return Market.objects.create(name="Australia", country="AU", slug="australia", steering_side=SteeringSide.RIGHT)


ADD_AVAILABILITY = "/admin/vehicles/marketavailability/add/"


@pytest.mark.parametrize(
    ("typed", "stored", "precision"),
    [
        ("2026", date(2026, 1, 1), DatePrecision.YEAR),
        ("2026-03", date(2026, 3, 1), DatePrecision.MONTH),
        ("2026-03-15", date(2026, 3, 15), DatePrecision.DAY),
        (" 2026-3 ", date(2026, 3, 1), DatePrecision.MONTH),
    ],
)
def test_editor_adds_a_market_launch_with_a_partial_date(editor_client, tundra, australia, typed, stored, precision):
    response = editor_client.post(
        ADD_AVAILABILITY, availability_data(tundra, australia, start=typed, announced_on="2026-11-01")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    launch = MarketAvailability.objects.get(vehicle_model=tundra, market=australia)
    assert (launch.start, launch.start_precision) == (stored, precision)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start": "2026-06", "end": "2026-05"}, "end", "The end (2026-05) is before the start (2026-06)."),
        ({"start": "2026", "end": "2025-12-31"}, "end", "is before the start"),
        ({"start": "2026-13"}, "start", "13 is not a month"),
        ({"start": "2026-02-30"}, "start", "2026-02 has no day 30"),
        ({"start": "2026-03-00"}, "start", "0 is not a day of the month: use 01 to 31."),
        ({"end": "2026-03-99"}, "end", "99 is not a day of the month: use 01 to 31."),
        ({"start": "2026-00-01"}, "start", "0 is not a month: use 01 to 12."),
        ({"start": "next year"}, "start", "is not a date: write 2026, 2026-03 or 2026-03-15"),
        ({"start": "0001"}, "start", "1 is not a plausible year"),
        ({"end": "9" * 200}, "end", "at most 10 characters"),
        ({"source_country": "u1"}, "source_country", "two-letter ISO 3166-1"),
        ({"status": "sold_out"}, "status", "Select a valid choice"),
    ],
)
def test_availability_form_errors(editor_client, tundra, australia, overrides, field, message):
    response = editor_client.post(ADD_AVAILABILITY, availability_data(tundra, australia, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not MarketAvailability.objects.filter(market=australia).exists()


def test_duplicate_availability_is_a_form_error(editor_client, tundra):
    japan = Market.objects.get(country="JP")
    before = MarketAvailability.objects.count()
    response = editor_client.post(ADD_AVAILABILITY, availability_data(tundra, japan, start="2027"))
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)
    assert MarketAvailability.objects.count() == before


def test_editing_the_launch_keeps_the_precision_typed(editor_client, tundra):
    launch = MarketAvailability.objects.get(vehicle_model=tundra, market__country="JP", status="announced")
    data = availability_data(
        tundra,
        launch.market,
        announced_on="2025-12-19",
        start="2026-04",
        source_plant=launch.source_plant_id,
        source_country="US",
        note=launch.note,
    )
    response = editor_client.post(f"/admin/vehicles/marketavailability/{launch.pk}/change/", data)
    assert response.status_code == 302
    launch.refresh_from_db()
    assert launch.start_display == "Apr 2026"
    assert 'on sale from <time datetime="2026-04">Apr 2026</time>' in editor_client.get(tundra.get_absolute_url()).text


def powertrain_data(vehicle, **overrides):
    data = {
        "vehicle_model": vehicle.pk,
        "name": "Test engine",
        "engine_type": "ice",
        "fuel_type": "gasoline",
        "displacement_cc": "",
        "cylinders": "",
        "aspiration": "",
        "power_kw": "",
        "power_hp": "",
        "torque_nm": "",
        "torque_lbft": "",
        "transmission": "",
    }
    data.update(overrides)
    return data


ADD_POWERTRAIN = "/admin/vehicles/powertrain/add/"


def test_power_in_hp_is_stored_in_kw(editor_client, tundra):
    response = editor_client.post(ADD_POWERTRAIN, powertrain_data(tundra, power_hp="389", torque_lbft="479"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    powertrain = Powertrain.objects.get(name="Test engine")
    assert powertrain.power_kw == Decimal("290.1")
    assert powertrain.torque_nm == Decimal("649.4")
    assert powertrain.power_hp == 389


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"power_hp": "0"}, "power_hp", "0 hp is not a plausible figure"),
        ({"power_hp": "50000"}, "power_hp", "50,000 hp is not a plausible figure"),
        ({"power_kw": "0"}, "power_kw", "0 kW is not a plausible figure"),
        ({"power_kw": "-5"}, "power_kw", "is not a plausible figure"),
        ({"power_kw": "37285"}, "power_kw", "between 1 and 2,000 kW (1–2,682 hp)"),
        ({}, "power_kw", "Enter the power, in kW or in hp."),
        ({"power_kw": "100", "power_hp": "300"}, "power_hp", "300 hp is 223.7 kW, not 100: fill in one of the two."),
        ({"power_kw": "lots"}, "power_kw", "Enter a number."),
        ({"power_kw": "100", "torque_lbft": "0"}, "torque_lbft", "0 lb-ft is not a plausible figure"),
        ({"power_kw": "100", "cylinders": "40"}, "cylinders", "less than or equal to 16"),
    ],
)
def test_powertrain_form_errors(editor_client, tundra, overrides, field, message):
    response = editor_client.post(ADD_POWERTRAIN, powertrain_data(tundra, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not Powertrain.objects.filter(name="Test engine").exists()


def test_vehicle_model_page_with_inlines_opens(editor_client, tundra):
    response = editor_client.get(f"/admin/vehicles/vehiclemodel/{tundra.pk}/change/")
    assert response.status_code == 200
    assert "i-FORCE MAX" in response.text
    assert 'value="2026"' in response.text  # the Japan launch inline, as typed


def test_vehicle_models_are_searchable_for_autocomplete(editor_client, tundra):
    """The articles admin attaches vehicles through an autocomplete over this search."""
    page = editor_client.get("/admin/vehicles/vehiclemodel/", {"q": "tund"}).text
    assert "Tundra" in page and "Camry" not in page


def test_writers_cannot_import_vehicle_records(client, writer, db):
    client.force_login(writer)
    assert client.get("/admin/vehicles/vehiclemodel/import/").status_code == 403


def change_form_data(response):
    """What the browser would post back from an admin change page, inlines included."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(item) for item in value]
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is not None:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_editor_adds_a_launch_inline_on_the_model_page(editor_client, tundra, australia):
    url = f"/admin/vehicles/vehiclemodel/{tundra.pk}/change/"
    data = change_form_data(editor_client.get(url))
    prefix = "availabilities"
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update(
        {
            f"{prefix}-{index}-market": str(australia.pk),
            f"{prefix}-{index}-status": "announced",
            f"{prefix}-{index}-start": "2027-06",
            f"{prefix}-{index}-source_country": "US",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    launch = tundra.availabilities.get(market=australia)
    assert launch.start_display == "Jun 2027"
    # The existing Japan launch kept its "from 2026".
    assert tundra.availabilities.get(market__country="JP").start_display == "2026"


def test_model_page_refuses_a_duplicate_launch_inline(editor_client, tundra):
    url = f"/admin/vehicles/vehiclemodel/{tundra.pk}/change/"
    data = change_form_data(editor_client.get(url))
    prefix = "availabilities"
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    japan = tundra.availabilities.get(market__country="JP").market
    data.update({f"{prefix}-{index}-market": str(japan.pk), f"{prefix}-{index}-status": "announced"})
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "already exists" in response.text or "duplicate" in response.text
    assert tundra.availabilities.count() == 1


@pytest.mark.parametrize(
    "model",
    ["make", "manufacturer", "wmi", "vehiclemodel", "powertrain", "modelyear", "plant", "market", "marketavailability"],
)
def test_every_vehicle_admin_page_opens_for_editors(editor_client, tundra, model):
    assert editor_client.get(f"/admin/vehicles/{model}/").status_code == 200
    assert editor_client.get(f"/admin/vehicles/{model}/add/").status_code == 200
    assert editor_client.get(f"/admin/vehicles/{model}/", {"q": "<script>'\""}).status_code == 200


def test_vin_tool_is_linked_from_the_vehicle_model_list(editor_client, db):
    page = editor_client.get("/admin/vehicles/vehiclemodel/").text
    assert DECODE_URL in page
    assert "/admin/vehicles/vehiclemodel/import/" in page


def test_writers_find_vehicle_models_through_the_article_autocomplete(client, writer, tundra):
    client.force_login(writer)
    response = client.get(
        "/admin/autocomplete/",
        {"term": "tund", "app_label": "articles", "model_name": "articlevehicle", "field_name": "vehicle_model"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["Toyota Tundra"]


def test_launch_form_finds_the_reporting_article_by_headline(editor_client, demo):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"term": "Camry", "app_label": "articles", "model_name": "marketreport", "field_name": "article"},
    )
    assert response.status_code == 200
    assert any("Camry" in item["text"] for item in response.json()["results"])


def test_editor_links_a_launch_to_the_article_that_reported_it(editor_client, demo, tundra):
    launch = MarketAvailability.objects.get(vehicle_model=tundra, market__country="JP", status="announced")
    story, other = demo["articles"]["published"], demo["articles"]["scheduled"]
    change_url = f"/admin/vehicles/marketavailability/{launch.pk}/change/"
    form = editor_client.get(change_url).text
    assert f'<option value="{story.pk}" selected>{story.headline}</option>' in form

    def post(reported_in):
        data = availability_data(
            tundra, launch.market, start="2026", source_plant=launch.source_plant_id, reported_in=reported_in
        )
        data["announced_on"] = "2025-12-19"
        return editor_client.post(change_url, data)

    assert post(other.pk).status_code == 302
    assert MarketReport.objects.get(availability=launch).article == other
    assert post("").status_code == 302
    assert not MarketReport.objects.filter(availability=launch).exists()
    assert "Reported in" not in editor_client.get(tundra.get_absolute_url()).text
    for crafted in ("x", "99999999999999999999"):
        response = post(crafted)
        assert response.status_code == 200
        assert "Select a valid choice" in str(response.context["adminform"].form.errors["reported_in"])


def test_the_vehicle_model_page_shows_and_changes_each_launch_report(editor_client, demo, tundra):
    story, other = demo["articles"]["published"], demo["articles"]["scheduled"]
    launch = MarketAvailability.objects.get(vehicle_model=tundra, market__country="JP", status="announced")
    url = f"/admin/vehicles/vehiclemodel/{tundra.pk}/change/"
    response = editor_client.get(url)
    assert f'<option value="{story.pk}" selected>{story.headline}</option>' in response.text
    data = change_form_data(response)
    index = next(
        i for i in range(int(data["availabilities-TOTAL_FORMS"])) if data[f"availabilities-{i}-id"] == str(launch.pk)
    )
    assert data[f"availabilities-{index}-reported_in"] == str(story.pk)
    data[f"availabilities-{index}-reported_in"] = str(other.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert MarketReport.objects.get(availability=launch).article == other


def test_vin_tool_matches_a_vin_to_the_vehicle_record(editor_client, tundra):
    from vehicles.vin import with_check_digit

    page = editor_client.get(DECODE_URL, {"vin": with_check_digit("5TFLA5DB0SX123456")}).text
    assert "Toyota Motor Manufacturing Texas, San Antonio, Texas, United States" in page
    assert f'href="/admin/vehicles/vehiclemodel/{tundra.pk}/change/">Toyota Tundra</a>' in page
    assert "<td>2025</td>" in page


@pytest.mark.parametrize("model_name", ["vehiclemodel", "powertrain", "marketavailability"])
@pytest.mark.parametrize("crafted", ["nothing=1", "id__exact=x", "id__in=1,%C2%B2"])
def test_an_export_with_filters_that_do_not_apply_is_refused_with_a_message(editor_client, tundra, model_name, crafted):
    """The export takes the list's filters from its URL: one naming no field, or a value of the
    wrong kind, sends the editor back to the list with the reason, as the list itself does."""
    response = editor_client.get(f"/admin/vehicles/{model_name}/export/?{crafted}", follow=True)
    assert response.redirect_chain[-1] == (f"/admin/vehicles/{model_name}/", 302)
    assert "Nothing was exported: the filters in that address do not apply" in response.text
    # The list's own filters still narrow the export.
    filtered = editor_client.get(f"/admin/vehicles/{model_name}/export/?id__exact=1")
    assert filtered.status_code == 200 and "form" in filtered.context
