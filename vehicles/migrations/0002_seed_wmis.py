"""Seed the WMI table with well-known world manufacturer identifiers, so VIN decoding works
offline from day one. Editors add more in the admin. Re-running is harmless (get_or_create),
and unapplying leaves the rows: they may be referenced by plants editors created since."""

from django.db import migrations

# Manufacturers: name → seat country.
MANUFACTURERS = {
    "Toyota Motor North America, Inc.": "US",
    "Toyota Motor Corporation": "JP",
    "Toyota Motor Manufacturing Canada Inc.": "CA",
    "Ford Motor Company": "US",
    "General Motors LLC": "US",
    "Honda Motor Co., Ltd.": "JP",
    "American Honda Motor Co., Inc.": "US",
    "Nissan Motor Co., Ltd.": "JP",
    "Nissan North America, Inc.": "US",
    "Hyundai Motor Company": "KR",
    "Kia Corporation": "KR",
    "BMW AG": "DE",
    "Mercedes-Benz Group AG": "DE",
    "Volkswagen AG": "DE",
    "Tesla, Inc.": "US",
    "Subaru Corporation": "JP",
    "Mazda Motor Corporation": "JP",
    "Volvo Car Corporation": "SE",
    "Motor Coach Industries": "US",
}

# Makes: slug → (name, country of origin).
MAKES = {
    "toyota": ("Toyota", "JP"),
    "lexus": ("Lexus", "JP"),
    "ford": ("Ford", "US"),
    "chevrolet": ("Chevrolet", "US"),
    "buick": ("Buick", "US"),
    "cadillac": ("Cadillac", "US"),
    "gmc": ("GMC", "US"),
    "honda": ("Honda", "JP"),
    "acura": ("Acura", "JP"),
    "nissan": ("Nissan", "JP"),
    "hyundai": ("Hyundai", "KR"),
    "kia": ("Kia", "KR"),
    "bmw": ("BMW", "DE"),
    "mercedes-benz": ("Mercedes-Benz", "DE"),
    "volkswagen": ("Volkswagen", "DE"),
    "tesla": ("Tesla", "US"),
    "subaru": ("Subaru", "JP"),
    "mazda": ("Mazda", "JP"),
    "volvo": ("Volvo", "SE"),
    "mci": ("MCI", "US"),
}

PC, MPV, TRUCK, BUS = "Passenger Car", "Multipurpose Passenger Vehicle (MPV)", "Truck", "Bus"

# code, manufacturer, make slug, country where the WMI was assigned, vPIC vehicle type.
WMIS = [
    ("4T1", "Toyota Motor North America, Inc.", "toyota", "US", PC),
    ("4T3", "Toyota Motor North America, Inc.", "toyota", "US", MPV),
    ("5TD", "Toyota Motor North America, Inc.", "toyota", "US", MPV),
    ("5TF", "Toyota Motor North America, Inc.", "toyota", "US", TRUCK),
    ("5TE", "Toyota Motor North America, Inc.", "toyota", "US", TRUCK),
    ("5TB", "Toyota Motor North America, Inc.", "toyota", "US", TRUCK),
    ("2T1", "Toyota Motor Manufacturing Canada Inc.", "toyota", "CA", PC),
    ("2T3", "Toyota Motor Manufacturing Canada Inc.", "toyota", "CA", MPV),
    ("JT2", "Toyota Motor Corporation", "toyota", "JP", PC),
    ("JTD", "Toyota Motor Corporation", "toyota", "JP", PC),
    ("JTE", "Toyota Motor Corporation", "toyota", "JP", MPV),
    ("JTM", "Toyota Motor Corporation", "toyota", "JP", MPV),
    ("JTN", "Toyota Motor Corporation", "toyota", "JP", PC),
    ("JTH", "Toyota Motor Corporation", "lexus", "JP", PC),
    ("JTJ", "Toyota Motor Corporation", "lexus", "JP", MPV),
    ("1FA", "Ford Motor Company", "ford", "US", PC),
    ("1FT", "Ford Motor Company", "ford", "US", TRUCK),
    ("1FM", "Ford Motor Company", "ford", "US", MPV),
    ("1FD", "Ford Motor Company", "ford", "US", TRUCK),
    ("3FA", "Ford Motor Company", "ford", "MX", PC),
    ("1G1", "General Motors LLC", "chevrolet", "US", PC),
    ("1GC", "General Motors LLC", "chevrolet", "US", TRUCK),
    ("1GN", "General Motors LLC", "chevrolet", "US", MPV),
    ("1G4", "General Motors LLC", "buick", "US", PC),
    ("1G6", "General Motors LLC", "cadillac", "US", PC),
    ("1GT", "General Motors LLC", "gmc", "US", TRUCK),
    ("1HG", "American Honda Motor Co., Inc.", "honda", "US", PC),
    ("5FN", "American Honda Motor Co., Inc.", "honda", "US", MPV),
    ("19U", "American Honda Motor Co., Inc.", "acura", "US", PC),
    ("JHM", "Honda Motor Co., Ltd.", "honda", "JP", PC),
    ("1N4", "Nissan North America, Inc.", "nissan", "US", PC),
    ("1N6", "Nissan North America, Inc.", "nissan", "US", TRUCK),
    ("JN1", "Nissan Motor Co., Ltd.", "nissan", "JP", PC),
    ("JN8", "Nissan Motor Co., Ltd.", "nissan", "JP", MPV),
    ("KMH", "Hyundai Motor Company", "hyundai", "KR", PC),
    ("KM8", "Hyundai Motor Company", "hyundai", "KR", MPV),
    ("KNA", "Kia Corporation", "kia", "KR", PC),
    ("KND", "Kia Corporation", "kia", "KR", MPV),
    ("WBA", "BMW AG", "bmw", "DE", PC),
    ("WBX", "BMW AG", "bmw", "DE", MPV),
    ("WDD", "Mercedes-Benz Group AG", "mercedes-benz", "DE", PC),
    ("W1K", "Mercedes-Benz Group AG", "mercedes-benz", "DE", PC),
    ("WVW", "Volkswagen AG", "volkswagen", "DE", PC),
    ("WVG", "Volkswagen AG", "volkswagen", "DE", MPV),
    ("5YJ", "Tesla, Inc.", "tesla", "US", PC),
    ("7SA", "Tesla, Inc.", "tesla", "US", MPV),
    ("JF1", "Subaru Corporation", "subaru", "JP", PC),
    ("JF2", "Subaru Corporation", "subaru", "JP", MPV),
    ("JM1", "Mazda Motor Corporation", "mazda", "JP", PC),
    ("YV1", "Volvo Car Corporation", "volvo", "SE", PC),
    ("1M8", "Motor Coach Industries", "mci", "US", BUS),
]


def seed(apps, schema_editor):
    Manufacturer = apps.get_model("vehicles", "Manufacturer")
    Make = apps.get_model("vehicles", "Make")
    WMI = apps.get_model("vehicles", "WMI")
    manufacturers = {
        name: Manufacturer.objects.get_or_create(name=name, defaults={"country": country})[0]
        for name, country in MANUFACTURERS.items()
    }
    makes = {
        slug: Make.objects.get_or_create(slug=slug, defaults={"name": name, "country": country})[0]
        for slug, (name, country) in MAKES.items()
    }
    for code, manufacturer, make, country, vehicle_type in WMIS:
        WMI.objects.get_or_create(
            code=code,
            defaults={
                "manufacturer": manufacturers[manufacturer],
                "make": makes[make],
                "country": country,
                "vehicle_type": vehicle_type,
            },
        )
        makes[make].manufacturers.add(manufacturers[manufacturer])


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
