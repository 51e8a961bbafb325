"""schema.org `Car` for a vehicle model (https://schema.org/Car), from a VehicleModel loaded with
`VehicleModel.objects.with_details()`: no queries of its own. For the vehicle page's JSON-LD
(`vehicles.views`)."""

import json

from vehicles import units
from vehicles.models import DriveType

DRIVE_WHEEL_CONFIGURATION = {
    DriveType.FWD: "https://schema.org/FrontWheelDriveConfiguration",
    DriveType.RWD: "https://schema.org/RearWheelDriveConfiguration",
    DriveType.AWD: "https://schema.org/AllWheelDriveConfiguration",
    DriveType.FOUR_WD: "https://schema.org/FourWheelDriveConfiguration",
    # A 4x2 pickup drives its rear wheels.
    DriveType.FOUR_BY_TWO: "https://schema.org/RearWheelDriveConfiguration",
}


def _one_or_range(values):
    """A single number, or a QuantitativeValue range when the model years differ."""
    values = sorted({value for value in values if value is not None})
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return {"@type": "QuantitativeValue", "minValue": values[0], "maxValue": values[-1]}


def _one_or_list(values):
    values = list({json.dumps(value, sort_keys=True): value for value in values if value}.values())
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def engine(powertrain):
    spec = {
        "@type": "EngineSpecification",
        "name": powertrain.name,
        "engineType": powertrain.get_engine_type_display(),
        "fuelType": powertrain.get_fuel_type_display(),
        # UN/CEFACT codes: KWT kilowatt, NU newton metre, CMQ cubic centimetre.
        "enginePower": {"@type": "QuantitativeValue", "value": float(powertrain.power_kw), "unitCode": "KWT"},
    }
    if powertrain.torque_nm is not None:
        spec["torque"] = {"@type": "QuantitativeValue", "value": float(powertrain.torque_nm), "unitCode": "NU"}
    if powertrain.displacement_cc:
        spec["engineDisplacement"] = {
            "@type": "QuantitativeValue",
            "value": powertrain.displacement_cc,
            "unitCode": "CMQ",
        }
    return spec


def car(vehicle, url):
    model_years = list(vehicle.model_years.all())
    powertrains = list(vehicle.powertrains.all())
    plants = vehicle.plants_built()
    data = {
        "@context": "https://schema.org",
        "@type": "Car",
        "name": str(vehicle),
        "url": url,
        "brand": {"@type": "Brand", "name": vehicle.make.name},
        "manufacturer": _one_or_list(
            [{"@type": "Organization", "name": manufacturer.name} for manufacturer in vehicle.manufacturers()]
        ),
        "model": vehicle.name,
        "bodyType": vehicle.body_class,
        "fuelType": _one_or_list([powertrain.get_fuel_type_display() for powertrain in powertrains]),
        "vehicleModelDate": str(max(my.year for my in model_years)) if model_years else None,
        "vehicleEngine": [engine(powertrain) for powertrain in powertrains] or None,
        "driveWheelConfiguration": _one_or_list([DRIVE_WHEEL_CONFIGURATION.get(my.drive_type) for my in model_years]),
        "numberOfDoors": _one_or_range([my.doors for my in model_years]),
        "vehicleSeatingCapacity": _one_or_range([my.seats for my in model_years]),
        "countryOfOrigin": _one_or_list(
            [{"@type": "Country", "name": units.country_name(plant.country)} for plant in plants]
        ),
        "description": vehicle.description or None,
    }
    return {key: value for key, value in data.items() if value is not None}


def script_json(data):
    """JSON safe to place inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
