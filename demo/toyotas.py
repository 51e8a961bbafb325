"""The three US-built Toyotas going to Japan (shared/FACTS.md), loaded idempotently.

The makers quote hp and lb-ft; the records keep SI units (vehicles.units converts)."""

from datetime import date

from vehicles.models import (
    WMI,
    AvailabilityStatus,
    DatePrecision,
    DriveType,
    EngineType,
    FuelType,
    Make,
    Manufacturer,
    Market,
    MarketAvailability,
    ModelYear,
    Plant,
    Powertrain,
    SteeringSide,
    VehicleModel,
    VehicleType,
)
from vehicles.units import hp_to_kw, lbft_to_nm

# model, vehicle type, body class, segment, WMI, plant (code, name, city, region), powertrains, year rows
TOYOTAS = [
    {
        "name": "Camry",
        "slug": "camry",
        "vehicle_type": VehicleType.PASSENGER_CAR,
        "body_class": "Sedan/Saloon",
        "segment": "Midsize sedan",
        "wmi": ("4T1", VehicleType.PASSENGER_CAR.label),
        "plant": ("TMMK", "Toyota Motor Manufacturing Kentucky", "Georgetown", "Kentucky", "U"),
        "powertrains": [
            dict(
                name="2.5 L hybrid (FWD)",
                engine_type=EngineType.HEV,
                fuel_type=FuelType.GASOLINE,
                displacement_cc=2487,
                cylinders=4,
                power_kw=hp_to_kw(225),
                transmission="e-CVT",
            ),
            dict(
                name="2.5 L hybrid (AWD)",
                engine_type=EngineType.HEV,
                fuel_type=FuelType.GASOLINE,
                displacement_cc=2487,
                cylinders=4,
                power_kw=hp_to_kw(232),
                transmission="e-CVT",
            ),
        ],
        "years": [dict(year=2025, trim="", doors=4, seats=5, drive_type=DriveType.FWD)],
        "left_japan": 2023,
        "left_japan_note": "Left the Japanese line-up in 2023.",
    },
    {
        "name": "Highlander",
        "slug": "highlander",
        "vehicle_type": VehicleType.MPV,
        "body_class": "Sport Utility Vehicle (SUV)/Multi-Purpose Vehicle (MPV)",
        "segment": "3-row midsize SUV",
        "wmi": ("5TD", VehicleType.MPV.label),
        "plant": ("TMMI", "Toyota Motor Manufacturing Indiana", "Princeton", "Indiana", "S"),
        "powertrains": [
            dict(
                name="2.4 L turbo",
                engine_type=EngineType.ICE,
                fuel_type=FuelType.GASOLINE,
                displacement_cc=2393,
                cylinders=4,
                aspiration="turbocharged",
                power_kw=hp_to_kw(265),
                transmission="8-speed automatic",
                figures_unconfirmed=True,
            ),
            dict(
                name="2.5 L hybrid",
                engine_type=EngineType.HEV,
                fuel_type=FuelType.GASOLINE,
                displacement_cc=2487,
                cylinders=4,
                power_kw=hp_to_kw(243),
                transmission="e-CVT",
                figures_unconfirmed=True,
            ),
        ],
        "years": [dict(year=2025, trim="", doors=5, seats=8, drive_type=DriveType.AWD)],
    },
    {
        "name": "Tundra",
        "slug": "tundra",
        "vehicle_type": VehicleType.TRUCK,
        "body_class": "Pickup",
        "segment": "Full-size pickup",
        "wmi": ("5TF", VehicleType.TRUCK.label),
        "plant": ("TMMTX", "Toyota Motor Manufacturing Texas", "San Antonio", "Texas", "X"),
        "powertrains": [
            dict(
                name="i-FORCE 3.4 L twin-turbo V6",
                engine_type=EngineType.ICE,
                fuel_type=FuelType.GASOLINE,
                displacement_cc=3445,
                cylinders=6,
                aspiration="twin-turbo",
                power_kw=hp_to_kw(389),
                torque_nm=lbft_to_nm(479),
                transmission="10-speed automatic",
            ),
            dict(
                name="i-FORCE MAX 3.4 L twin-turbo V6 hybrid",
                engine_type=EngineType.HEV,
                fuel_type=FuelType.GASOLINE,
                displacement_cc=3445,
                cylinders=6,
                aspiration="twin-turbo",
                power_kw=hp_to_kw(437),
                torque_nm=lbft_to_nm(583),
                transmission="10-speed automatic",
            ),
        ],
        "years": [
            dict(year=2025, trim="Double Cab", doors=4, seats=6, drive_type=DriveType.FOUR_BY_TWO),
            dict(year=2025, trim="CrewMax", doors=4, seats=5, drive_type=DriveType.FOUR_WD),
        ],
    },
]


def load_toyota_japan():
    """Create (once) Toyota, its US plants, the three models, and their Japan launch.

    Returns {"camry": VehicleModel, "highlander": …, "tundra": …}."""
    toyota_na, _ = Manufacturer.objects.get_or_create(
        name="Toyota Motor North America, Inc.", defaults={"country": "US"}
    )
    toyota_corp, _ = Manufacturer.objects.get_or_create(name="Toyota Motor Corporation", defaults={"country": "JP"})
    toyota, _ = Make.objects.get_or_create(slug="toyota", defaults={"name": "Toyota", "country": "JP"})
    toyota.manufacturers.add(toyota_na, toyota_corp)
    Market.objects.get_or_create(
        country="US", defaults={"name": "United States", "slug": "united-states", "steering_side": SteeringSide.LEFT}
    )
    japan, _ = Market.objects.get_or_create(
        country="JP", defaults={"name": "Japan", "slug": "japan", "steering_side": SteeringSide.RIGHT}
    )

    models = {}
    for spec in TOYOTAS:
        wmi_code, wmi_type = spec["wmi"]
        wmi, _ = WMI.objects.get_or_create(
            code=wmi_code,
            defaults={"manufacturer": toyota_na, "make": toyota, "country": "US", "vehicle_type": wmi_type},
        )
        code, plant_name, city, region, vin_codes = spec["plant"]
        plant, _ = Plant.objects.get_or_create(
            code=code,
            defaults={
                "name": plant_name,
                "manufacturer": toyota_na,
                "city": city,
                "region": region,
                "country": "US",
                "vin_plant_codes": vin_codes,
            },
        )
        plant.wmis.add(wmi)
        model, _ = VehicleModel.objects.get_or_create(
            make=toyota,
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "vehicle_type": spec["vehicle_type"],
                "body_class": spec["body_class"],
                "segment": spec["segment"],
            },
        )
        powertrains = [
            Powertrain.objects.get_or_create(vehicle_model=model, name=pt["name"], defaults=pt)[0]
            for pt in spec["powertrains"]
        ]
        for year in spec["years"]:
            model_year, _ = ModelYear.objects.get_or_create(
                vehicle_model=model,
                year=year["year"],
                trim=year["trim"],
                defaults={**year, "powertrain": powertrains[0]},
            )
            model_year.plants.add(plant)
        MarketAvailability.objects.get_or_create(
            vehicle_model=model,
            market=japan,
            status=AvailabilityStatus.ANNOUNCED,
            defaults={
                "announced_on": date(2025, 12, 19),
                "start": date(2026, 1, 1),
                "start_precision": DatePrecision.YEAR,
                "source_plant": plant,
                "source_country": "US",
                "note": "Sold sequentially from 2026; no volumes, prices or exact dates announced.",
            },
        )
        if spec.get("left_japan"):
            MarketAvailability.objects.get_or_create(
                vehicle_model=model,
                market=japan,
                status=AvailabilityStatus.DISCONTINUED,
                defaults={
                    "end": date(spec["left_japan"], 1, 1),
                    "end_precision": DatePrecision.YEAR,
                    "note": spec["left_japan_note"],
                },
            )
        models[spec["slug"]] = model
    return models
