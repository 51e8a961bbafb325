"""Public vehicle pages: browse by make and body, and one model's spec sheet. Each runs a fixed
number of queries whatever the number of model years, plants, markets and articles."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from newsroom.core import cache_keys
from newsroom.core.site import absolute_url
from vehicles import jsonld
from vehicles.models import Make, VehicleModel

PER_PAGE = 24


def vehicle_list(request):
    makes = list(Make.objects.filter(vehicle_models__isnull=False).distinct().order_by("name"))
    bodies = list(VehicleModel.objects.order_by("body_class").values_list("body_class", flat=True).distinct())
    make = next((make for make in makes if make.slug == request.GET.get("make")), None)
    body = request.GET.get("body") if request.GET.get("body") in bodies else None

    vehicles = VehicleModel.objects.for_listing()
    if make:
        vehicles = vehicles.filter(make=make)
    if body:
        vehicles = vehicles.filter(body_class=body)
    page = Paginator(vehicles, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in (("make", make and make.slug), ("body", body)) if value})
    # The page shown, under the one address of its make, body and page number.
    shown = "&".join(filter(None, [query, f"page={page.number}" if page.number > 1 else ""]))
    cache_keys.show(request, cache_keys.list_key(VehicleModel), cache_keys.list_key(Make))
    context = {
        "makes": makes,
        "bodies": bodies,
        "make": make,
        "body": body,
        "page": page,
        "filter_query": query,
        "canonical_url": absolute_url(reverse("vehicles:list") + (f"?{shown}" if shown else "")),
    }
    return render(request, "vehicles/vehicle_list.html", context)


def vehicle_detail(request, make, model):
    vehicle = get_object_or_404(VehicleModel.objects.with_details(), make__slug=make, slug=model)
    articles = list(vehicle.related_live_articles())
    live = {article.id: article for article in articles}
    availabilities = [
        # A reporting article is linked only while it is live (the live ones are among ``articles``).
        (availability, live.get(availability.reported_in_id))
        for availability in vehicle.availabilities.all()
    ]
    url = absolute_url(vehicle.get_absolute_url())
    segment = f", {vehicle.segment.lower()}" if vehicle.segment else ""
    show_vehicle_page(request, vehicle, articles)
    context = {
        "description": f"{vehicle.make.name} {vehicle.name}: {vehicle.body_class}{segment}. "
        "Specifications, where it is built and where it is sold.",
        "vehicle": vehicle,
        "model_years": list(vehicle.model_years.all()),
        "powertrains": list(vehicle.powertrains.all()),
        "plants": vehicle.plants_built(),
        "availabilities": availabilities,
        "articles": articles,
        "manufacturers": vehicle.manufacturers(),
        "json_ld": mark_safe(jsonld.script_json(jsonld.car(vehicle, url))),  # noqa: S308 - escaped by script_json
        "canonical_url": url,
    }
    return render(request, "vehicles/vehicle_detail.html", context)


def show_vehicle_page(request, vehicle, articles):
    """The keys of a vehicle page, from what it loaded: the model (its model years, powertrains and
    launches are part of it), its make and the makers, plants and markets it names, and the
    articles it lists."""
    cache_keys.show(
        request, vehicle, cache_keys.stories_under(vehicle), vehicle.make, *vehicle.make.manufacturers.all(), *articles
    )
    for model_year in vehicle.model_years.all():
        for plant in model_year.plants.all():
            cache_keys.show(request, plant, plant.manufacturer)
    for availability in vehicle.availabilities.all():
        cache_keys.show(request, availability.market)
        if availability.source_plant_id:
            cache_keys.show(request, availability.source_plant)
