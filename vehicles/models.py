"""Structured vehicle records. Field names follow NHTSA vPIC (Make, Manufacturer, Model,
ModelYear, VehicleType, BodyClass, Plant*, Trim, DriveType, FuelTypePrimary) and map onto
schema.org's Car. Power and torque are stored in SI units (kW, N·m).

For serialisers (pages, API, feeds), without N+1 queries:
    VehicleModel.objects.with_details()   one model's everything: make and its manufacturers,
                                          model years (powertrain, plants), powertrains, market
                                          availabilities (market, source plant, and the id of
                                          the article reporting each as ``reported_in_id``)
    VehicleModel.objects.for_listing()    make only, for lists
    vehicle_model.plants_built()          distinct plants over the prefetched model years
    vehicle_model.manufacturers()         companies building it (plants' manufacturers, else the make's);
                                          the rule itself is VehicleModel.builders()
    vehicle_model.related_live_articles() live articles about it (answered by the articles app)
    powertrain.power_hp / .torque_lbft    the other unit system (see vehicles.units)
    availability.timeline_text()          "Japan — announced 19 Dec 2025, on sale from 2026, built in …"
                                          (safe HTML, its dates <time> elements; .timeline() without the market)
Reporting articles are only shown when live: link ``reported_in_id`` only to one of
``related_live_articles()``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from newsroom.core.hooks import Hook
from vehicles import units

country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166-1 country code, e.g. US or JP.")


class CountryField(models.CharField):
    """An ISO 3166-1 alpha-2 country code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("validators", [country_code_validator])
        super().__init__(*args, **kwargs)


class Manufacturer(models.Model):
    """The legal company (vPIC Manufacturer), e.g. Toyota Motor Manufacturing, Kentucky, Inc."""

    name = models.CharField(max_length=200, unique=True)
    country = CountryField(help_text="Country of the company's seat (ISO 3166-1 alpha-2).")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Make(models.Model):
    """A brand (vPIC Make), e.g. Toyota. One make can be built by several manufacturers."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    country = CountryField(blank=True, help_text="Country of origin of the brand.")
    manufacturers = models.ManyToManyField(Manufacturer, blank=True, related_name="makes")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WMI(models.Model):
    """World manufacturer identifier: the first three characters of a VIN."""

    code = models.CharField(max_length=3, unique=True, validators=[RegexValidator(r"^[A-HJ-NPR-Z0-9]{3}$")])
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="wmis")
    make = models.ForeignKey(Make, null=True, blank=True, on_delete=models.SET_NULL, related_name="wmis")
    country = CountryField()
    vehicle_type = models.CharField(max_length=60, blank=True)

    class Meta:
        verbose_name = "WMI"
        verbose_name_plural = "WMIs"
        ordering = ["code"]

    def __str__(self):
        return self.code


class VehicleType(models.TextChoices):
    """vPIC VehicleType."""

    PASSENGER_CAR = "passenger_car", "Passenger Car"
    MPV = "mpv", "Multipurpose Passenger Vehicle (MPV)"
    TRUCK = "truck", "Truck"
    BUS = "bus", "Bus"
    MOTORCYCLE = "motorcycle", "Motorcycle"
    LSV = "lsv", "Low Speed Vehicle (LSV)"


# A model's timeline in each market, oldest first, by whichever date is known; NULLs placed
# explicitly, as SQLite and PostgreSQL place them differently. The spec sheet, the API and the
# article page's vehicles box all list availabilities in this order.
MARKET_TIMELINE_ORDER = ("market__name", Coalesce("start", "end", "announced_on").asc(nulls_last=True), "id")

# How many articles about a model its page lists (launch reports come on top).
RELATED_ARTICLES_LIMIT = 30

# Answered by the articles app, which sits above vehicles: (vehicle model, limit) -> its articles.
live_articles_about = Hook("live articles about a vehicle model", default=())
# Answered by the articles app, which keeps which article reported a market launch: () -> that
# article's id as an expression over MarketAvailability (NULL without the articles app).
reporting_article_id = Hook(
    "the id of the article reporting a market availability", default=models.Value(None, models.BigIntegerField())
)


class VehicleModelQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("make")

    def with_details(self):
        """Everything a spec sheet or an API record shows, in a fixed number of queries."""
        return self.select_related("make").prefetch_related(
            "make__manufacturers",
            models.Prefetch(
                "model_years",
                queryset=ModelYear.objects.select_related("powertrain").prefetch_related(
                    models.Prefetch("plants", queryset=Plant.objects.select_related("manufacturer").order_by("name"))
                ),
            ),
            "powertrains",
            models.Prefetch(
                "availabilities",
                queryset=MarketAvailability.objects.select_related("market", "source_plant")
                .annotate(reported_in_id=reporting_article_id())
                .order_by(*MARKET_TIMELINE_ORDER),
            ),
        )


class VehicleModel(models.Model):
    """A model line, e.g. Toyota Camry."""

    make = models.ForeignKey(Make, on_delete=models.PROTECT, related_name="vehicle_models")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    vehicle_type = models.CharField(max_length=20, choices=VehicleType.choices)
    body_class = models.CharField(max_length=60, help_text="vPIC BodyClass, e.g. Sedan/Saloon, Pickup.")
    segment = models.CharField(max_length=60, blank=True, help_text="e.g. midsize sedan, full-size pickup.")
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VehicleModelQuerySet.as_manager()

    class Meta:
        ordering = ["make__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["make", "slug"], name="unique_model_slug_per_make"),
            models.UniqueConstraint(fields=["make", "name"], name="unique_model_name_per_make"),
        ]

    def __str__(self):
        return f"{self.make.name} {self.name}" if self.make_id else self.name

    def get_absolute_url(self):
        return reverse("vehicles:detail", kwargs={"make": self.make.slug, "model": self.slug})

    def plants_built(self):
        """Distinct plants building any of its model years (uses prefetched model years)."""
        plants = {}
        for model_year in self.model_years.all():
            for plant in model_year.plants.all():
                plants.setdefault(plant.pk, plant)
        return sorted(plants.values(), key=lambda plant: plant.name)

    def manufacturers(self):
        """The companies building it (``builders``), from the prefetched plants and make."""
        return self.builders([plant.manufacturer for plant in self.plants_built()], self.make.manufacturers.all())

    @staticmethod
    def builders(plant_manufacturers, make_manufacturers):
        """The rule for which companies build a model, wherever it is shown: the companies running
        its plants (vPIC's Manufacturer is the company at the plant that affixes the VIN), by name;
        while no plant's company is known, every company of its make. Takes loaded manufacturers
        (``None`` for a plant whose company is unknown), so a loader can bring them in any way."""
        found = {manufacturer.pk: manufacturer for manufacturer in plant_manufacturers if manufacturer}
        return sorted(found.values(), key=lambda manufacturer: manufacturer.name) or list(make_manufacturers)

    def related_live_articles(self, limit=RELATED_ARTICLES_LIMIT):
        """The live articles about this model and those reporting its market launches, newest
        first (``Article.objects.about_vehicle_model``); none while the articles app is not there."""
        return live_articles_about(self, limit)


class EngineType(models.TextChoices):
    ICE = "ice", "Internal combustion"
    HEV = "hev", "Hybrid"
    PHEV = "phev", "Plug-in hybrid"
    BEV = "bev", "Battery electric"
    FCEV = "fcev", "Fuel cell electric"


class FuelType(models.TextChoices):
    """vPIC FuelTypePrimary."""

    GASOLINE = "gasoline", "Gasoline"
    DIESEL = "diesel", "Diesel"
    ELECTRIC = "electric", "Electric"
    HYDROGEN = "hydrogen", "Hydrogen"
    FLEXIBLE = "flexible", "Flexible Fuel Vehicle (FFV)"


class Powertrain(models.Model):
    """An engine and motor combination offered in a model, in SI units."""

    vehicle_model = models.ForeignKey(VehicleModel, on_delete=models.CASCADE, related_name="powertrains")
    name = models.CharField(max_length=100, help_text="e.g. 2.5 L hybrid, i-FORCE MAX.")
    engine_type = models.CharField(max_length=10, choices=EngineType.choices)
    fuel_type = models.CharField(max_length=20, choices=FuelType.choices)
    displacement_cc = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(20000)])
    cylinders = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(16)])
    aspiration = models.CharField(max_length=30, blank=True, help_text="e.g. twin-turbo.")
    # System power and torque; validators keep out typing mistakes like 0 or 50,000 hp.
    power_kw = models.DecimalField(
        max_digits=7, decimal_places=1, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    torque_nm = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
    )
    transmission = models.CharField(max_length=60, blank=True, help_text="e.g. 10-speed automatic, e-CVT.")
    figures_unconfirmed = models.BooleanField(default=False, help_text="Figures are not yet confirmed by the maker.")

    class Meta:
        ordering = ["vehicle_model", "power_kw"]
        # How the CSV import finds the powertrain a row updates: a model's powertrain by name.
        indexes = [models.Index(fields=["vehicle_model", "name"], name="powertrain_model_name")]

    def __str__(self):
        return f"{self.vehicle_model} {self.name}"

    @property
    def power_hp(self):
        return units.kw_to_hp(self.power_kw) if self.power_kw is not None else None

    @property
    def torque_lbft(self):
        return units.nm_to_lbft(self.torque_nm) if self.torque_nm is not None else None


class Plant(models.Model):
    """An assembly plant (vPIC PlantCity, PlantState, PlantCountry)."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20, unique=True, help_text="Short name, e.g. TMMK.")
    manufacturer = models.ForeignKey(
        Manufacturer, null=True, blank=True, on_delete=models.SET_NULL, related_name="plants"
    )
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, help_text="State, prefecture or province.")
    country = CountryField()
    wmis = models.ManyToManyField(WMI, blank=True, related_name="plants", help_text="WMIs on the VINs it assigns.")
    vin_plant_codes = models.CharField(
        max_length=20, blank=True, help_text="Characters it uses in VIN position 11, e.g. 'U' or 'JU'."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.city})"

    @property
    def location(self):
        """ "San Antonio, Texas"; the country instead when no region is known."""
        return ", ".join(part for part in (self.city, self.region or units.country_name(self.country)) if part)


class DriveType(models.TextChoices):
    """vPIC DriveType."""

    FWD = "fwd", "FWD/Front-Wheel Drive"
    RWD = "rwd", "RWD/Rear-Wheel Drive"
    AWD = "awd", "AWD/All-Wheel Drive"
    FOUR_WD = "4wd", "4WD/4-Wheel Drive/4x4"
    FOUR_BY_TWO = "4x2", "4x2"


class ModelYear(models.Model):
    """A model year or variant of a model (vPIC ModelYear, Trim), with where it is built."""

    vehicle_model = models.ForeignKey(VehicleModel, on_delete=models.CASCADE, related_name="model_years")
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1980), MaxValueValidator(2039)])
    trim = models.CharField(max_length=100, blank=True)
    body_class = models.CharField(max_length=60, blank=True, help_text="Blank: as the model.")
    doors = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(8)])
    seats = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(60)])
    drive_type = models.CharField(max_length=10, choices=DriveType.choices, blank=True)
    powertrain = models.ForeignKey(
        Powertrain, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_years"
    )
    plants = models.ManyToManyField(Plant, blank=True, related_name="model_years")

    class Meta:
        ordering = ["vehicle_model", "-year", "trim"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle_model", "year", "trim"], name="unique_model_year_trim"),
        ]

    def __str__(self):
        return " ".join(str(part) for part in (self.year, self.vehicle_model, self.trim) if part)

    def clean(self):
        if self.powertrain_id and self.vehicle_model_id and self.powertrain.vehicle_model_id != self.vehicle_model_id:
            raise ValidationError({"powertrain": "Choose a powertrain of this model."})


class SteeringSide(models.TextChoices):
    LEFT = "left", "Left-hand drive"
    RIGHT = "right", "Right-hand drive"


class Market(models.Model):
    """A country where vehicles are sold."""

    name = models.CharField(max_length=100)
    country = CountryField(unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    steering_side = models.CharField(max_length=5, choices=SteeringSide.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DatePrecision(models.TextChoices):
    """How much of a partial date is known: "from 2026" is a year."""

    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


class AvailabilityStatus(models.TextChoices):
    ANNOUNCED = "announced", "Announced"
    ON_SALE = "on_sale", "On sale"
    DISCONTINUED = "discontinued", "Discontinued"


class MarketAvailability(models.Model):
    """A model in a market: announced, on sale or discontinued, from when, sourced from where.

    Start and end are partial dates: the date holds the first day of the known period and
    the precision says how much of it is meaningful (2026-01-01 + YEAR reads "2026")."""

    vehicle_model = models.ForeignKey(VehicleModel, on_delete=models.CASCADE, related_name="availabilities")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="availabilities")
    status = models.CharField(max_length=15, choices=AvailabilityStatus.choices)
    announced_on = models.DateField(null=True, blank=True)
    start = models.DateField(null=True, blank=True)
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    end = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    source_plant = models.ForeignKey(
        Plant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where cars for this market are built.",
    )
    source_country = CountryField(blank=True, help_text="Where cars for this market come from, when no plant is known.")
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "market availabilities"
        ordering = ["vehicle_model", "market", "start"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle_model", "market", "status"], name="unique_availability"),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="availability_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.vehicle_model} in {self.market}: {self.get_status_display()}"

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "The end is before the start."})

    @property
    def start_display(self):
        return units.format_partial_date(self.start, self.start_precision)

    @property
    def end_display(self):
        return units.format_partial_date(self.end, self.end_precision)

    def timeline_phrases(self):
        """["announced 19 Dec 2025", "on sale from 2026", "built in San Antonio, Texas"], as safe HTML
        whose dates are <time> elements."""
        phrases = []
        if self.announced_on:
            phrases.append(format_html("announced {}", units.partial_date_element(self.announced_on)))
        if self.start:
            phrases.append(format_html("on sale from {}", units.partial_date_element(self.start, self.start_precision)))
        if self.end:
            verb = "discontinued" if self.status == AvailabilityStatus.DISCONTINUED else "on sale until"
            phrases.append(format_html("{} {}", verb, units.partial_date_element(self.end, self.end_precision)))
        elif self.status == AvailabilityStatus.DISCONTINUED:
            phrases.append("discontinued")
        if self.source_plant_id:
            phrases.append(format_html("built in {}", self.source_plant.location))
        elif self.source_country:
            phrases.append(format_html("sourced from {}", units.country_name(self.source_country)))
        return phrases

    def timeline(self):
        """The phrases in one line (safe HTML), or the status when there are none."""
        phrases = self.timeline_phrases()
        return (
            format_html_join(", ", "{}", ((phrase,) for phrase in phrases))
            if phrases
            else self.get_status_display().lower()
        )

    def timeline_text(self):
        return format_html("{} — {}", self.market.name, self.timeline())


# An import in progress that has not moved for this long is shown as stalled.
STALLED_AFTER_SECONDS = 60


class CsvImport(models.Model):
    """One CSV file of vehicle records an editor imports (`vehicles.importing`): the file, what its
    check found, and how far the import has got. Kept so everyone who may import sees what
    happened, during the import and after, whether or not they kept the page open."""

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking the file"
        REFUSED = "refused", "Refused: the file has problems"
        READY = "ready", "Checked: ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        STOPPED = "stopped", "Stopped"

    # Which records the file holds: a key of vehicles.resources.RESOURCES (a model name).
    kind = models.CharField(max_length=40)
    file_name = models.CharField(max_length=255)
    text = models.TextField(help_text="The file as uploaded (decoded), read again by each step.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved on by every batch checked or written: the page tells a stalled import by it.
    updated_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    # {"new": n, "update": n, "skip": n}: what the check expects, and what the import has done so far.
    expected = models.JSONField(default=dict)
    imported = models.JSONField(default=dict)
    # [[row number or null, column or null, message], …]: the first PROBLEMS_KEPT of problem_count.
    problems = models.JSONField(default=list)
    problem_count = models.PositiveIntegerField(default=0)
    ignored_columns = models.JSONField(default=list)
    stopped_because = models.TextField(blank=True)
    import_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="csv_import_kind_recent")]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display().lower()})"

    @property
    def in_progress(self):
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    def stalled(self, now=None):
        """In progress, but nothing has moved for a minute: no task worker is running it."""
        quiet = (now or timezone.now()) - self.updated_at
        return self.in_progress and quiet.total_seconds() > STALLED_AFTER_SECONDS


class VehiclePage(models.Model):
    """A vehicle model's public page as stored by ``vehicles.pages``: everything it shows of the
    vehicle record (title, head, Car JSON-LD, spec sheet), built again after a record it shows
    changes and served as it is while not ``outdated``; the articles about it and the links to
    launch reports are added per request, since which articles are live changes by the clock."""

    vehicle_model = models.OneToOneField(VehicleModel, primary_key=True, on_delete=models.CASCADE, related_name="page")
    name = models.CharField(max_length=100)
    title = models.TextField()
    head = models.TextField()
    json_ld = models.TextField()
    sheet = models.TextField()
    # [[availability id, id of the article reporting it], ...]: the sheet's report links to fill in.
    reports = models.JSONField(default=list)
    # The cache keys of the records it shows, space-separated (also as ``VehiclePageKey`` rows, by
    # which a change finds the pages showing its record).
    keys = models.TextField()
    # 0: never built yet (a row kept so that changes can mark it, ``pages.mark_outdated``).
    shape = models.PositiveSmallIntegerField()
    # A record it shows changed since it was built: requests render it from the records, and the
    # task ``pages.rebuild_outdated`` builds it again.
    outdated = models.BooleanField(default=False)
    # How many changes marked it: a build is stored only if none came while it was being made.
    marks = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["outdated"], condition=models.Q(outdated=True), name="vehicle_page_outdated")]

    def __str__(self):
        return f"Page of {self.name}"


class VehiclePageKey(models.Model):
    """A record a stored vehicle page shows, by its cache key: a change to the record marks the
    page outdated in one indexed UPDATE (``pages.mark_outdated``)."""

    page = models.ForeignKey(VehiclePage, on_delete=models.CASCADE, related_name="shown_keys")
    key = models.CharField(max_length=100, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "key"], name="unique_vehicle_page_key")]

    def __str__(self):
        return self.key
