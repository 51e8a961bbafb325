"""Public vehicle pages: browse by make and body, and one model's spec sheet. Each runs a fixed
number of queries whatever the number of model years, plants, markets and articles."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from newsroom.core import cache_keys
from newsroom.core.site import absolute_url
from vehicles import pages
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
    """The stored page (``vehicles.pages``) with the live articles about the model, which change
    by the clock: four queries while the stored page is current."""
    page = pages.current(make, model)
    if page is None:
        raise Http404("No such vehicle model.")
    articles = list(VehicleModel(pk=page.vehicle_model_id).related_live_articles())
    # Its keys: the records the stored page shows, and the articles it lists.
    cache_keys.show(request, *page.keys.split(), *articles)
    context = {
        "stored": {
            "name": page.name,
            # Rendered from templates when stored (``vehicles.pages.build``).
            "title": mark_safe(page.title),  # noqa: S308
            "head": mark_safe(page.head),  # noqa: S308
            "json_ld": mark_safe(page.json_ld),  # noqa: S308 - escaped by script_json
            "sheet": pages.fill_reports(page, {article.pk: article for article in articles}),
        },
        "articles": articles,
        "canonical_url": absolute_url(reverse("vehicles:detail", kwargs={"make": make, "model": model})),
    }
    return render(request, "vehicles/vehicle_detail.html", context)
