"""An editor imports vehicle records in Chromium: the import's pages keep the admin's look (the
breadcrumbs bar) and fit a phone, the latest imports included."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WIDTHS, check_accessibility, screenshots
from tests.conftest import PASSWORD
from tests.vehicles.test_import import POWERTRAIN_HEADER

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# As editors name their files: long, and a word to the browser.
FILE_NAME = "toyota-powertrains-for-the-japanese-market-2026-final.csv"


def fits_the_phone(page):
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    return width <= WIDTHS["phone"]


def assert_admin_breadcrumbs(page, *crumbs):
    bar = page.locator("nav[aria-label=Breadcrumbs] ol.breadcrumbs")
    expect(bar.locator("li")).to_have_text(list(crumbs))
    assert bar.evaluate("bar => getComputedStyle(bar).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_an_editor_imports_a_file_on_pages_that_keep_the_admins_look_and_fit_a_phone(page, site, editor, tmp_path):
    csv_file = tmp_path / FILE_NAME
    csv_file.write_text(
        POWERTRAIN_HEADER + "Toyota,Tundra,i-FORCE 3.4 L tuned,ice,gasoline,3445,6,300,650,10-speed automatic\n"
    )
    page.goto(site + "/admin/login/?next=/admin/vehicles/powertrain/")
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Import", exact=True).click()
    assert_admin_breadcrumbs(page, "Home", "Vehicles", "Powertrains", "Import")

    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 1 row").click()
    expect(page.locator("#import-status")).to_have_text("Imported")
    assert_admin_breadcrumbs(page, "Home", "Vehicles", "Powertrains", "Import", FILE_NAME)
    assert fits_the_phone(page)
    screenshots(page, "csv-import-done")

    page.locator("nav[aria-label=Breadcrumbs]").get_by_role("link", name="Import").click()
    expect(page.get_by_role("link", name=FILE_NAME)).to_be_visible()  # among the latest imports
    assert fits_the_phone(page)
    check_accessibility(page, "CSV import page")
    screenshots(page, "csv-import-latest")
