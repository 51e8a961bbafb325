"""Vehicle records for partners: models with model years, plants and markets; VIN decoding."""

import pytest

from tests.syndication.conftest import ApiClient, make_partner
from tests.vehicles.test_pages import json_ld
from vehicles import vin as vins
from vehicles.models import Plant

pytestmark = pytest.mark.django_db


def test_vehicle_models_with_years_plants_and_markets(api, demo, django_assert_num_queries):
    # key+partner+sections, models+makes, manufacturers, model years+powertrains, plants, availabilities
    # (was 7: the partner's sections on their own)
    with django_assert_num_queries(6):
        response = api.get("/api/v1/vehicle-models/")
    models = {item["slug"]: item for item in response.json()["results"]}
    assert set(models) == {"camry", "highlander", "tundra"}
    tundra = models["tundra"]
    assert tundra["make"] == "Toyota" and tundra["manufacturers"]
    assert tundra["model_years"][0]["plants"][0]["city"] == "San Antonio"
    assert tundra["model_years"][0]["powertrain"]["power_kw"] > 0
    assert "JP" in {market["market"] for market in tundra["markets"]}
    detail = api.get(f"/api/v1/vehicle-models/{tundra['id']}/")
    assert detail.json() == tundra
    assert api.get("/api/v1/vehicle-models/", {"make": "toyota", "market": "jp"}).json()["results"]
    assert api.get("/api/v1/vehicle-models/", {"make": "honda"}).json()["results"] == []
    assert api.get("/api/v1/vehicle-models/999999/").status_code == 404


def test_vehicle_model_pages(api, demo):
    first = api.get("/api/v1/vehicle-models/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1 and second["next"] is None


def test_decode_a_vin_in_snake_case_like_every_other_endpoint(api, demo, settings):
    vin = vins.with_check_digit("5TFLA5DB0SX000001")
    response = api.get(f"/api/v1/vins/{vin.lower()}/")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "vin": vin,
        "valid": True,
        "problems": [],
        "wmi": "5TF",
        "manufacturer": "Toyota Motor North America, Inc.",
        "make": "Toyota",
        "country": "United States",
        "vehicle_type": "Truck",
        "model_year": 2025,
        "plant_code": "X",
        "plant": "Toyota Motor Manufacturing Texas",
        "plant_city": "San Antonio",
        "plant_state": "Texas",
        "plant_country": "United States",
        "model": "Tundra",
        "trim": "",
        "serial_number": "000001",
        "vehicle_model_uri": f"{settings.SITE_URL}/api/v1/vehicle-models/{demo['vehicles']['tundra'].pk}/",
    }


def test_a_well_formed_vin_that_does_not_verify_is_decoded_with_its_problems(api, demo):
    """As vPIC does: outside North America position 9 need not be a check digit, so a VIN whose
    check digit fails is still read, and says so."""
    vin = vins.with_check_digit("5TFLA5DB0SX000001")
    wrong = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    decoded = api.get(f"/api/v1/vins/{wrong}/").json()
    assert decoded["valid"] is False
    assert decoded["problems"] == [f"character 9 should be {vin[8]}, the check digit, but is {wrong[8]}"]
    assert (decoded["make"], decoded["model"], decoded["model_year"]) == ("Toyota", "Tundra", 2025)
    no_year = api.get("/api/v1/vins/1G4AH59H4ZG118341/").json()
    assert no_year["valid"] is False and no_year["model_year"] is None
    assert any(problem.startswith("character 10 is Z") for problem in no_year["problems"])


@pytest.mark.parametrize(
    ("vin", "position"),
    [
        ("1G4AH59H45G11834", 17),  # one short
        ("1G4AH59H4OG118341", 10),  # O never appears
        ("1G4AH59H4-G118341", 10),  # not a letter or digit
        ("X" * 39, 18),
    ],
)
def test_a_malformed_vin_is_a_400_naming_the_position(api, vin, position):
    response = api.get(f"/api/v1/vins/{vin}/")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["parameter"] == "vin"
    assert position in [error["position"] for error in problem["errors"]]


def test_a_huge_vin_is_a_400(api):
    assert api.get("/api/v1/vins/" + "A" * 5000 + "/").status_code == 400


def test_a_partner_without_vehicles_gets_404(client, demo):
    api = ApiClient(client, make_partner("Articles Only", receives_vehicles=False).issue_key()[1])
    assert api.get("/api/v1/vehicle-models/").status_code == 404
    assert api.get("/api/v1/vins/1G4AH59H45G118341/").status_code == 404
    assert api.get("/api/v1/articles/").status_code == 200


def test_detail_and_vin_query_counts(api, demo, django_assert_num_queries):
    tundra = demo["vehicles"]["tundra"]
    with django_assert_num_queries(6):
        assert api.get(f"/api/v1/vehicle-models/{tundra.pk}/").status_code == 200
    vin = vins.with_check_digit("5TFLA5DB0SX000001")
    # the decoder's WMI, plants and model years (the key is kept by the process since the request before)
    with django_assert_num_queries(3):
        assert api.get(f"/api/v1/vins/{vin}/").status_code == 200


def _manufacturers_in_ninjs(api, article):
    document = api.get(f"/api/v1/articles/{article.pk}/", {"format": "ninjs"}).json()
    return [organisation["name"] for organisation in document["organisations"] if organisation["rel"] == "manufacturer"]


def test_page_api_and_ninjs_name_the_same_manufacturers(api, client, demo):
    """The companies building a model are its plants' (Toyota Motor North America runs the US plants),
    not every company of its make (Toyota Motor Corporation too): the same on the page, its JSON-LD,
    the API record and the ninjs organisations."""
    tundra, story = demo["vehicles"]["tundra"], demo["articles"]["published"]
    builders = ["Toyota Motor North America, Inc."]
    page = client.get(tundra.get_absolute_url())
    assert "<dt>Manufacturer</dt><dd>Toyota Motor North America, Inc.</dd>" in page.text
    assert json_ld(page)["manufacturer"] == {"@type": "Organization", "name": builders[0]}
    assert api.get(f"/api/v1/vehicle-models/{tundra.pk}/").json()["manufacturers"] == builders
    assert _manufacturers_in_ninjs(api, story) == builders


def test_without_a_known_plant_company_every_company_of_the_make_builds_it(
    api, client, demo, django_capture_on_commit_callbacks
):
    tundra, story = demo["vehicles"]["tundra"], demo["articles"]["published"]
    with django_capture_on_commit_callbacks(execute=True):  # the stories showing a plant are built again
        for plant in Plant.objects.all():
            plant.manufacturer = None
            plant.save()
    makers = [manufacturer.name for manufacturer in tundra.make.manufacturers.all()]
    assert len(makers) > 1
    page = client.get(tundra.get_absolute_url()).text
    assert f"<dt>Manufacturer</dt><dd>{'; '.join(makers)}</dd>" in page
    assert api.get(f"/api/v1/vehicle-models/{tundra.pk}/").json()["manufacturers"] == makers
    assert _manufacturers_in_ninjs(api, story) == makers
