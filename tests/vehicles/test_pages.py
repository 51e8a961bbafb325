import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.tasks.base import DEFAULT_TASK_PRIORITY
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article, ArticleVehicle, MarketReport, Status
from newsroom.core import cache_keys, dates
from newsroom.core.tasks import BACKGROUND_PRIORITY
from vehicles import pages
from vehicles.models import (
    AvailabilityStatus,
    DatePrecision,
    Make,
    Manufacturer,
    Market,
    MarketAvailability,
    ModelYear,
    Plant,
    Powertrain,
    SteeringSide,
    VehicleModel,
    VehiclePage,
)
from vehicles.tasks import import_task


def json_ld(response):
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', response.text, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def reported_in(article, availabilities):
    """Every one of ``availabilities`` reported in ``article``, as an editor links them."""
    for availability in availabilities:
        MarketReport.objects.update_or_create(availability=availability, defaults={"article": article})


def test_tundra_page_shows_plant_launch_and_live_article(client, demo, tundra):
    response = client.get("/vehicles/toyota/tundra/")
    assert response.status_code == 200
    page = response.text
    assert "San Antonio" in page
    # Readers' words, with machine-readable dates to the precision known.
    assert (
        'Japan — announced <time datetime="2025-12-19">19 Dec 2025</time>, '
        'on sale from <time datetime="2026">2026</time>, built in San Antonio, Texas'
    ) in page
    story = demo["articles"]["published"]
    assert f'href="{story.get_absolute_url()}"' in page
    # Both unit systems.
    assert "290.1 kW (389 hp)" in page
    assert "649.4 N·m (479 lb-ft)" in page


def test_drafts_and_scheduled_articles_never_appear(client, demo, tundra):
    draft = demo["articles"]["in_review"]
    assert draft.article_vehicles.filter(vehicle_model=tundra).exists()  # linked, but not live
    scheduled = demo["articles"]["scheduled"]
    ArticleVehicle.objects.create(article=scheduled, vehicle_model=tundra)
    reported_in(draft, MarketAvailability.objects.filter(vehicle_model=tundra))
    page = client.get("/vehicles/toyota/tundra/").text
    assert draft.headline not in page
    assert draft.slug not in page
    assert scheduled.headline not in page
    assert "Reported in" not in page


def test_live_reporting_article_is_linked_from_the_timeline(client, demo, tundra):
    story = demo["articles"]["published"]
    reported_in(story, MarketAvailability.objects.filter(vehicle_model=tundra))
    page = client.get("/vehicles/toyota/tundra/").text
    assert f'Reported in <a href="{story.get_absolute_url()}">' in page


def test_the_articles_list_shows_each_article_as_it_is_now(client, demo, tundra):
    """The list's items are written once per process for each article as shown
    (``vehicles.templatetags.vehicle_pages``): a renamed article, or a reader in another time
    zone, never gets an item written before."""
    story = demo["articles"]["published"]
    day = dates.time_element(story.first_published, dates.DAY)
    item = f'<li><a href="{story.get_absolute_url()}">{story.headline}</a> {day}</li>'
    assert item in client.get(tundra.get_absolute_url()).text
    Article.objects.filter(pk=story.pk).update(headline="Tundra goes to Japan")
    cache.clear()  # as the workflow's update would
    page = client.get(tundra.get_absolute_url()).text
    assert f'<li><a href="{story.get_absolute_url()}">Tundra goes to Japan</a> {day}</li>' in page
    assert story.headline not in page.split('id="related"')[1]
    Article.objects.filter(pk=story.pk).update(slug="tundra-goes-to-japan")
    cache.clear()
    page = client.get(tundra.get_absolute_url()).text
    assert f'<li><a href="/articles/tundra-goes-to-japan/">Tundra goes to Japan</a> {day}</li>' in page
    cache.clear()
    # A zone where the story went out on another day than in UTC.
    with timezone.override("Pacific/Kiritimati" if story.first_published.hour >= 10 else "Pacific/Pago_Pago"):
        elsewhere = dates.time_element(story.first_published, dates.DAY)
        page = client.get(tundra.get_absolute_url()).text
    assert elsewhere != day
    assert f"Tundra goes to Japan</a> {elsewhere}</li>" in page


def test_camry_timeline_shows_it_left_japan_before_it_returns(client, demo):
    page = client.get(demo["vehicles"]["camry"].get_absolute_url()).text
    left = page.index('Japan — discontinued <time datetime="2023">2023</time>')
    back = page.index(
        'Japan — announced <time datetime="2025-12-19">19 Dec 2025</time>, '
        'on sale from <time datetime="2026">2026</time>, built in Georgetown, Kentucky'
    )
    assert left < back


def test_car_json_ld(client, demo, tundra):
    data = json_ld(client.get(tundra.get_absolute_url()))
    assert data["@type"] == "Car"
    assert data["brand"] == {"@type": "Brand", "name": "Toyota"}
    assert data["manufacturer"]["name"] == "Toyota Motor North America, Inc."
    assert data["model"] == "Tundra"
    assert data["bodyType"] == "Pickup"
    assert data["fuelType"] == "Gasoline"
    assert data["vehicleModelDate"] == "2025"
    powers = sorted(engine["enginePower"]["value"] for engine in data["vehicleEngine"])
    assert powers == [290.1, 325.9]
    assert {engine["torque"]["unitCode"] for engine in data["vehicleEngine"]} == {"NU"}
    assert "https://schema.org/FourWheelDriveConfiguration" in data["driveWheelConfiguration"]
    assert data["numberOfDoors"] == 4
    assert data["vehicleSeatingCapacity"] == {"@type": "QuantitativeValue", "minValue": 5, "maxValue": 6}
    assert data["countryOfOrigin"] == {"@type": "Country", "name": "United States"}


def test_json_ld_cannot_break_out_of_its_script(client, demo, tundra):
    tundra.description = "</script><script>alert(1)</script>"
    tundra.save()
    response = client.get(tundra.get_absolute_url())
    assert "<script>alert(1)" not in response.text
    assert json_ld(response)["description"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "url", ["/vehicles/toyota/corolla/", "/vehicles/lada/tundra/", "/vehicles/ford/tundra/", "/vehicles/x/y/"]
)
def test_unknown_make_or_model_is_404(client, demo, url):
    assert client.get(url).status_code == 404


def test_list_browses_by_make_and_body(client, demo):
    ford = Make.objects.get(slug="ford")
    VehicleModel.objects.create(make=ford, name="F-150", slug="f-150", vehicle_type="truck", body_class="Pickup")
    page = client.get("/vehicles/").text
    for name in ("Toyota Camry", "Toyota Highlander", "Toyota Tundra", "Ford F-150"):
        assert name in page
    assert "Chevrolet" not in page  # seeded makes without models are not offered
    pickups = client.get("/vehicles/", {"body": "Pickup"}).text
    assert "Ford F-150" in pickups and "Toyota Tundra" in pickups and "Toyota Camry" not in pickups
    toyota_pickups = client.get("/vehicles/", {"body": "Pickup", "make": "toyota"}).text
    assert "Toyota Tundra" in toyota_pickups and "Ford F-150" not in toyota_pickups


@pytest.mark.parametrize(
    "query", [{"make": "nope"}, {"body": "<script>"}, {"page": "9999"}, {"page": "-1"}, {"page": "x" * 500}]
)
def test_list_takes_hostile_queries_calmly(client, demo, query):
    response = client.get("/vehicles/", query)
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_list_paginates(client, demo):
    ford = Make.objects.get(slug="ford")
    VehicleModel.objects.bulk_create(
        VehicleModel(make=ford, name=f"Model {n:02d}", slug=f"model-{n:02d}", vehicle_type="truck", body_class="Pickup")
        for n in range(30)
    )
    first = client.get("/vehicles/").text
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/vehicles/", {"page": 2}).text
    assert "Toyota Tundra" in second and 'rel="prev"' in second


def add_related_rows(vehicle, count, writer):
    """More model years, plants, powertrains, markets and live articles for one vehicle."""
    suffix = ModelYear.objects.count()
    for n in range(count):
        plant = Plant.objects.create(
            name=f"Plant {suffix}-{n}", code=f"P{suffix}-{n}", city=f"City {n}", region="Region", country="US"
        )
        powertrain = Powertrain.objects.create(
            vehicle_model=vehicle,
            name=f"Engine {suffix}-{n}",
            engine_type="ice",
            fuel_type="gasoline",
            power_kw=Decimal(100 + n),
            torque_nm=Decimal(200 + n),
        )
        model_year = ModelYear.objects.create(
            vehicle_model=vehicle, year=2010 + n, trim=f"Trim {suffix}", powertrain=powertrain, doors=4, seats=5
        )
        model_year.plants.add(plant)
        market = Market.objects.create(
            name=f"Market {suffix}-{n}",
            country=f"{chr(65 + n)}{chr(65 + suffix % 26)}",
            slug=f"market-{suffix}-{n}",
            steering_side=SteeringSide.LEFT,
        )
        article = Article.objects.create(
            headline=f"Story {suffix}-{n}",
            slug=f"story-{suffix}-{n}",
            status=Status.PUBLISHED,
            publish_at=timezone.now() - timedelta(hours=1),
        )
        ArticleVehicle.objects.create(article=article, vehicle_model=vehicle)
        launch = MarketAvailability.objects.create(
            vehicle_model=vehicle,
            market=market,
            status=AvailabilityStatus.ON_SALE,
            start=date(2024, 1, 1),
            start_precision=DatePrecision.MONTH,
            source_plant=plant,
        )
        reported_in(article, [launch])


# Each includes the sections of the site's navigation, which vehicle pages show like every other page.
# The detail: its stored page (``vehicles.pages``), the live articles about the model, the sections
# and the next go-live minute.
DETAIL_QUERIES = 4
# The same while its stored page is outdated or not built yet, rendered from the records: their six
# reads (``VehicleModel.objects.with_details``) after the stored page's.
DETAIL_QUERIES_RENDERED = 10
NONCE = re.compile(r'nonce="[^"]+"')
LIST_QUERIES = 6


def test_vehicle_page_runs_a_fixed_number_of_queries(
    client, demo, tundra, writer, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = tundra.get_absolute_url()
    with django_assert_num_queries(DETAIL_QUERIES_RENDERED):  # the demo was loaded in this test's transaction
        client.get(url)
    pages.rebuild_outdated.call()  # as the worker does once the demo's changes commit
    cache.clear()
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)
    add_related_rows(tundra, 6, writer)  # not committed yet: the page is outdated, and rendered
    cache.clear()
    with django_assert_num_queries(DETAIL_QUERIES_RENDERED):
        rendered = NONCE.sub("", client.get(url).text)
    assert rendered.count("Story ") >= 6 and "Market " in rendered
    pages.rebuild_outdated.call()
    cache.clear()
    with django_assert_num_queries(DETAIL_QUERIES):
        assert NONCE.sub("", client.get(url).text) == rendered  # as stored, what was rendered


def test_vehicle_list_runs_a_fixed_number_of_queries(client, demo, django_assert_num_queries):
    with django_assert_num_queries(LIST_QUERIES):
        client.get("/vehicles/")
    ford = Make.objects.get(slug="ford")
    for n in range(10):
        vehicle = VehicleModel.objects.create(
            make=ford, name=f"Model {n}", slug=f"model-{n}", vehicle_type="truck", body_class=f"Body {n}"
        )
        add_related_rows(vehicle, 2, None)
    cache.clear()
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get("/vehicles/").text
    assert "Ford Model 9" in page


def test_pages_are_cached_for_readers_and_refreshed_after_an_edit(
    client, demo, tundra, django_capture_on_commit_callbacks
):
    assert "Full-size pickup" in client.get(tundra.get_absolute_url()).text
    tundra.segment = "Large pickup"
    with django_capture_on_commit_callbacks(execute=True):
        tundra.save()
    assert "Large pickup" in client.get(tundra.get_absolute_url()).text


def test_renaming_a_manufacturer_refreshes_the_vehicle_page(client, tundra, django_capture_on_commit_callbacks):
    """The page shows its plants' manufacturers: a rename in the admin reaches readers at once."""
    assert "Toyota Motor North America, Inc." in client.get(tundra.get_absolute_url()).text
    manufacturer = Manufacturer.objects.get(name="Toyota Motor North America, Inc.")
    manufacturer.name = "Toyota Motor North America"
    with django_capture_on_commit_callbacks(execute=True):
        manufacturer.save()
    page = client.get(tundra.get_absolute_url()).text
    assert "Toyota Motor North America<" in page and "Toyota Motor North America, Inc." not in page


def test_a_vehicle_page_is_stored_and_marked_outdated_only_when_a_record_it_shows_changes(
    client, demo, tundra, django_capture_on_commit_callbacks
):
    """The page's record parts are stored (``vehicles.pages``) and served as stored until a record
    it shows changes; from that change's commit on, requests render it from the records (storing
    nothing) until the queued task builds it again; the command fills in what is missing or older."""
    pages.rebuild_outdated.call()
    VehiclePage.objects.filter(pk=tundra.pk).update(sheet="<article>As stored</article>")
    cache.clear()
    assert "As stored" in client.get(tundra.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        Make.objects.get(slug="ford").save()  # a make the Tundra's page does not show
    assert "As stored" in client.get(tundra.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=False) as queued:
        Powertrain.objects.filter(vehicle_model=tundra).first().save()  # part of the Tundra
    cache.clear()  # as the commit would
    assert "As stored" not in client.get(tundra.get_absolute_url()).text  # marked in the change's transaction
    assert VehiclePage.objects.filter(pk=tundra.pk, outdated=True, sheet__contains="As stored").exists()
    for callback in queued:
        callback()  # the commit: the rebuild task runs (at once, on the test's task backend)
    assert not VehiclePage.objects.filter(pk=tundra.pk, outdated=True).exists()
    assert not VehiclePage.objects.filter(sheet__contains="As stored").exists()

    VehiclePage.objects.filter(pk=tundra.pk).update(sheet="<article>An old shape</article>", shape=0)
    out = io.StringIO()
    call_command("rebuild_read_model", stdout=out)
    assert out.getvalue().splitlines()[1] == "Rebuilt 1 vehicle pages: 1 changed."
    assert "An old shape" not in client.get(tundra.get_absolute_url()).text
    VehiclePage.objects.filter(pk=tundra.pk).delete()
    out = io.StringIO()
    call_command("rebuild_read_model", stdout=out)
    assert out.getvalue().splitlines()[1] == "Rebuilt 1 vehicle pages: 1 changed."
    out = io.StringIO()
    call_command("rebuild_read_model", stdout=out)
    assert out.getvalue().splitlines()[1] == "Rebuilt 0 vehicle pages: 0 changed."


def test_many_changes_queue_one_rebuild_behind_other_tasks(demo, tundra, settings, django_capture_on_commit_callbacks):
    """However many changes mark pages outdated, one run of the rebuild is queued at a time (an
    import's batches queued one each before, ahead of the import's own next batch), at a lower
    priority than the default of imports and webhooks; a change once it has started queues the next."""
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    powertrain = Powertrain.objects.filter(vehicle_model=tundra).first()
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            powertrain.save()
    with django_capture_on_commit_callbacks(execute=True):
        Make.objects.get(slug="toyota").save()  # every Toyota's page
    queued = DBTaskResult.objects.filter(task_path=pages.rebuild_outdated.module_path)
    assert list(queued.values_list("status", "priority")) == [("READY", BACKGROUND_PRIORITY)]
    assert BACKGROUND_PRIORITY < DEFAULT_TASK_PRIORITY == import_task.priority

    pages.rebuild_outdated.call()  # the worker runs it
    assert not VehiclePage.objects.filter(outdated=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        powertrain.save()
    assert queued.count() == 2 and VehiclePage.objects.get(pk=tundra.pk).outdated


def test_a_page_changed_while_it_is_built_is_not_stored_as_current(client, demo, tundra, monkeypatch):
    """The task builds outside any transaction; a change that commits meanwhile leaves the page
    outdated (for the next run), never stored from the records as they were before it."""
    build = pages.build

    def changed_meanwhile(vehicle):
        page = build(vehicle)
        VehicleModel.objects.filter(pk=tundra.pk).update(segment="Changed meanwhile")
        cache_keys.changed({cache_keys.of(tundra)}, records={cache_keys.of(tundra)})  # as the admin's save
        return page

    monkeypatch.setattr(pages, "build", changed_meanwhile)
    assert pages.refresh([tundra.pk]) == []
    assert VehiclePage.objects.get(pk=tundra.pk).outdated
    monkeypatch.setattr(pages, "build", build)
    assert "Changed meanwhile" in client.get(tundra.get_absolute_url()).text
    pages.refresh([tundra.pk])
    page = VehiclePage.objects.get(pk=tundra.pk)
    assert not page.outdated and "Changed meanwhile" in page.sheet
    assert set(page.shown_keys.values_list("key", flat=True)) == set(page.keys.split())
