"""Unit conversions, country names and partial dates: one definition of each, used by the
admin forms, the CSV import, the public pages, the JSON-LD and the demo content.

Power and torque are stored in SI units (kW, N·m); horsepower here is mechanical hp
(745.7 W), the figure US makers quote.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from newsroom.core import dates

HP_PER_KW = Decimal("1.34102")
NM_PER_LBFT = Decimal("1.35582")
TENTH = Decimal("0.1")


def hp_to_kw(hp):
    return (Decimal(hp) / HP_PER_KW).quantize(TENTH, rounding=ROUND_HALF_UP)


def kw_to_hp(kw):
    return (Decimal(kw) * HP_PER_KW).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def lbft_to_nm(lbft):
    return (Decimal(lbft) * NM_PER_LBFT).quantize(TENTH, rounding=ROUND_HALF_UP)


def nm_to_lbft(nm):
    return (Decimal(nm) / NM_PER_LBFT).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def format_number(value):
    """1234.0 → "1,234"; 167.8 → "167.8": no trailing ".0" on whole numbers."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


# The countries the seeded WMIs, plants and markets use; anything else shows its code.
COUNTRY_NAMES = {
    "AU": "Australia",
    "BR": "Brazil",
    "CA": "Canada",
    "CN": "China",
    "CZ": "Czechia",
    "DE": "Germany",
    "ES": "Spain",
    "FR": "France",
    "GB": "United Kingdom",
    "HU": "Hungary",
    "IN": "India",
    "IT": "Italy",
    "JP": "Japan",
    "KR": "South Korea",
    "MX": "Mexico",
    "SE": "Sweden",
    "SK": "Slovakia",
    "TR": "Türkiye",
    "TH": "Thailand",
    "US": "United States",
    "ZA": "South Africa",
}


def country_name(code):
    return COUNTRY_NAMES.get(code, code) if code else ""


# Partial dates: "2026", "2026-03" or "2026-03-15". The date stored is the first day of the
# known period; the precision says how much of it is meaningful.
PRECISION_YEAR, PRECISION_MONTH, PRECISION_DAY = dates.YEAR, dates.MONTH, dates.DAY
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(text):
    """ "2026-03" → (date(2026, 3, 1), "month"). Raises ValueError with a reason a person can act on."""
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise ValueError(f"“{text}” is not a date: write 2026, 2026-03 or 2026-03-15.")
    year, month, day = (int(part) if part else None for part in match.groups())
    if not 1900 <= year <= 2100:
        raise ValueError(f"{year} is not a plausible year.")
    # Zero is a typed value, not a missing one: "2026-03-00" is refused, never read as "March 2026".
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{month} is not a month: use 01 to 12.")
    if day is not None and not 1 <= day <= 31:
        raise ValueError(f"{day} is not a day of the month: use 01 to 31.")
    try:
        value = date(year, month if month is not None else 1, day if day is not None else 1)
    except ValueError:
        raise ValueError(f"{year}-{month:02d} has no day {day}.")
    precision = PRECISION_DAY if day is not None else PRECISION_MONTH if month is not None else PRECISION_YEAR
    return value, precision


def partial_date_input(value, precision):
    """The text an editor typed: the inverse of parse_partial_date."""
    if value is None:
        return ""
    if precision == PRECISION_YEAR:
        return f"{value.year}"
    if precision == PRECISION_MONTH:
        return f"{value.year}-{value.month:02d}"
    return value.isoformat()


def format_partial_date(value, precision=PRECISION_DAY):
    """For readers: "2026", "Mar 2026" or "19 Dec 2025" (the site's one date style, ``newsroom.core.dates``)."""
    return dates.reader(value, precision)


def partial_date_element(value, precision=PRECISION_DAY):
    """The same, as a ``<time datetime="2026-03">`` element (safe HTML)."""
    return dates.time_element(value, precision)
