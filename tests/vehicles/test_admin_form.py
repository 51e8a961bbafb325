"""The vehicle model form: powertrains as blocks, model years as a table, and no empty powertrain
list on a model that has not been saved yet."""

import pytest

ADD = "/admin/vehicles/vehiclemodel/add/"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_a_new_model_explains_when_its_years_can_get_a_powertrain(editor_client, db):
    page = editor_client.get(ADD).content.decode()
    assert "Save the vehicle first to give its model years a powertrain" in page
    assert 'name="model_years-__prefix__-powertrain"' not in page
    assert 'name="model_years-__prefix__-year"' in page


def test_a_saved_models_years_offer_its_powertrains_by_name(editor_client, tundra):
    page = editor_client.get(f"/admin/vehicles/vehiclemodel/{tundra.pk}/change/").content.decode()
    assert "Save the vehicle first" not in page
    powertrain = tundra.powertrains.first()
    assert f'<option value="{powertrain.pk}">{powertrain.name}</option>' in page
    assert 'aria-label="Year"' in page  # each cell's input is named after its column


@pytest.mark.parametrize("query", ["name__regex=(", "name__iregex=[", "slug__regex=a{99999999999}"])
def test_a_pattern_in_the_vehicle_list_address_is_refused_not_a_server_error(editor_client, tundra, query):
    assert editor_client.get(f"/admin/vehicles/vehiclemodel/?{query}").status_code == 400
