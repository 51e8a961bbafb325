"""VIN decoding, offline: the one module that knows what a VIN means (ISO 3779, 49 CFR 565).

Pure functions (no database):
    normalise(text) -> str                 strip spaces, upper-case
    problems(vin) -> list[VinProblem]      everything wrong, each naming the position and the reason;
                                           a malformed VIN (length, characters) is no VIN at all, one
                                           whose check digit or year code fails is a VIN that does not verify
    check_digit(vin) -> str                the check digit the other 16 characters call for ("0"–"9" or "X")
    model_year_candidates(code) -> (y, y+30)
    model_year(vin) -> int                 position 10, disambiguated by the position-7 rule

Database-backed:
    decode(text) -> Decoded                WMI → manufacturer, make and country from the WMI table,
                                           position 11 → Plant, and the VehicleModel / ModelYear it fits.
Decoding never raises on bad input: a Decoded with `problems` is returned instead. A well-formed VIN
is decoded even when it does not verify, as NHTSA vPIC does: outside North America position 9 need
not be a check digit.
"""

from dataclasses import dataclass, field

VIN_LENGTH = 17
TRANSLITERATION = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
CHECK_DIGIT_POSITION = 9
YEAR_POSITION = 10
PLANT_POSITION = 11
NEVER_USED = "IOQ"
# Position 10: A=1980 … Y=2000, 1=2001 … 9=2009; the cycle repeats every 30 years.
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
# A well-formed VIN before ``normalise`` (either case): what the API's schema declares.
WELL_FORMED_PATTERN = r"^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$"
FIRST_CYCLE_START = 1980
CYCLE = 30


@dataclass(frozen=True)
class VinProblem:
    position: int | None  # 1-based; None for the VIN as a whole
    message: str
    malformed: bool = True  # False: a well-formed VIN whose check digit or year code does not verify

    def __str__(self):
        return self.message


def normalise(text):
    return "".join(str(text or "").split()).upper()


def _position_problems(vin):
    found = []
    for position, char in enumerate(vin, start=1):
        if char in NEVER_USED:
            found.append(
                VinProblem(position, f"character {position} is {char}, which never appears in a VIN (no I, O or Q)")
            )
        elif char not in TRANSLITERATION:
            found.append(VinProblem(position, f"character {position} is {char!r}, which is not a letter or digit"))
    return found


def check_digit(vin):
    """The check digit for a 17-character VIN of valid characters (position 9 is ignored)."""
    remainder = sum(TRANSLITERATION[char] * weight for char, weight in zip(vin, WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def model_year_candidates(code):
    """('T') → (1996, 2026). Raises ValueError for a character that is no year code."""
    index = YEAR_CODES.find(code) if len(code) == 1 else -1
    if index < 0:
        raise ValueError(f"{code!r} is not a model-year code")
    return FIRST_CYCLE_START + index, FIRST_CYCLE_START + CYCLE + index


def model_year(vin):
    """For cars and light trucks a digit in position 7 means 1980–2009, a letter 2010–2039."""
    earlier, later = model_year_candidates(vin[YEAR_POSITION - 1])
    return earlier if vin[6].isdigit() else later


def problems(vin):
    """Everything wrong with a (normalised) VIN; an empty list means it is valid."""
    count = f"a VIN has {VIN_LENGTH} characters, this one has {len(vin)}"
    if len(vin) < VIN_LENGTH:
        where = f"character {len(vin) + 1}" + (" onwards is" if len(vin) < VIN_LENGTH - 1 else " is")
        return [VinProblem(len(vin) + 1, f"{where} missing: {count}"), *_position_problems(vin)]
    if len(vin) > VIN_LENGTH:
        extra = VinProblem(VIN_LENGTH + 1, f"character {VIN_LENGTH + 1} onwards is extra: {count}")
        return [extra, *_position_problems(vin[:VIN_LENGTH])]
    found = _position_problems(vin)
    if found:
        return found
    year_code = vin[YEAR_POSITION - 1]
    if year_code not in YEAR_CODES:
        found.append(
            VinProblem(
                YEAR_POSITION,
                f"character {YEAR_POSITION} is {year_code}, which is not a model-year code "
                "(the year code is never I, O, Q, U, Z or 0)",
                malformed=False,
            )
        )
    expected, actual = check_digit(vin), vin[CHECK_DIGIT_POSITION - 1]
    if expected != actual:
        found.append(
            VinProblem(
                CHECK_DIGIT_POSITION,
                f"character {CHECK_DIGIT_POSITION} should be {expected}, the check digit, but is {actual}",
                malformed=False,
            )
        )
    return found


def with_check_digit(vin):
    """The same 17 characters with position 9 set to the right check digit (for tests and tools)."""
    return vin[:8] + check_digit(vin) + vin[9:]


@dataclass
class Decoded:
    """What a VIN says, in vPIC's terms. Lookups that find nothing stay None."""

    vin: str
    problems: list = field(default_factory=list)
    wmi_code: str = ""
    wmi: object = None  # vehicles.models.WMI
    model_year: int | None = None
    plant_code: str = ""
    plant: object = None  # vehicles.models.Plant
    serial: str = ""
    vehicle_model: object = None  # vehicles.models.VehicleModel
    model_year_record: object = None  # vehicles.models.ModelYear

    @property
    def valid(self):
        return not self.problems

    @property
    def well_formed(self):
        """17 characters a VIN may have: decodable, though its check digit or year code may fail."""
        return not any(problem.malformed for problem in self.problems)

    @property
    def manufacturer(self):
        return self.wmi.manufacturer if self.wmi else None

    @property
    def make(self):
        if self.vehicle_model:
            return self.vehicle_model.make
        return self.wmi.make if self.wmi else None

    @property
    def country(self):
        """ISO code of the country the WMI was assigned in."""
        return self.wmi.country if self.wmi else ""

    def as_dict(self):
        """Plain values, named like vPIC's fields, for the admin tool and the API."""
        from vehicles.units import country_name

        plant = self.plant
        return {
            "VIN": self.vin,
            "Valid": self.valid,
            "Problems": [str(problem) for problem in self.problems],
            "WMI": self.wmi_code,
            "Manufacturer": str(self.manufacturer or ""),
            "Make": str(self.make or ""),
            "Country": country_name(self.country),
            "VehicleType": self.wmi.vehicle_type if self.wmi else "",
            "ModelYear": self.model_year,
            "PlantCode": self.plant_code,
            "Plant": plant.name if plant else "",
            "PlantCity": plant.city if plant else "",
            "PlantState": plant.region if plant else "",
            "PlantCountry": country_name(plant.country) if plant else "",
            "Model": self.vehicle_model.name if self.vehicle_model else "",
            "Trim": self.model_year_record.trim if self.model_year_record else "",
            "SerialNumber": self.serial,
        }


def decode(text):
    """Validate, then look the parts up in the database. Never raises on bad input."""
    from vehicles.models import WMI, ModelYear, Plant

    vin = normalise(text)
    result = Decoded(vin=vin, problems=problems(vin))
    if not result.well_formed:
        return result
    result.wmi_code = vin[:3]
    result.model_year = model_year(vin) if vin[YEAR_POSITION - 1] in YEAR_CODES else None
    result.plant_code = vin[PLANT_POSITION - 1]
    result.serial = vin[PLANT_POSITION:]
    result.wmi = WMI.objects.select_related("manufacturer", "make").filter(code=result.wmi_code).first()
    if result.wmi is None:
        return result
    plants = [
        plant
        for plant in Plant.objects.filter(wmis=result.wmi).order_by("code")
        if result.plant_code in plant.vin_plant_codes
    ]
    result.plant = plants[0] if len(plants) == 1 else None
    if result.plant and result.wmi.make_id:
        built_here = ModelYear.objects.filter(
            plants=result.plant, vehicle_model__make=result.wmi.make_id
        ).select_related("vehicle_model__make")
        models = {record.vehicle_model_id: record.vehicle_model for record in built_here}
        if len(models) == 1:
            result.vehicle_model = next(iter(models.values()))
            this_year = [record for record in built_here if record.year == result.model_year]
            result.model_year_record = this_year[0] if len(this_year) == 1 else None
    return result
