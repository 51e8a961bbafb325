from datetime import date
from decimal import Decimal

import pytest

from demo.toyotas import load_toyota_japan
from vehicles import units
from vehicles.models import MarketAvailability, ModelYear, Plant, Powertrain, VehicleModel


def test_conversions_match_the_makers_figures():
    assert units.hp_to_kw(389) == Decimal("290.1")
    assert units.kw_to_hp(Decimal("290.1")) == 389
    assert units.lbft_to_nm(583) == Decimal("790.4")
    assert units.nm_to_lbft(Decimal("790.4")) == 583


@pytest.mark.parametrize(
    ("text", "value", "precision", "shown"),
    [
        ("2026", date(2026, 1, 1), "year", "2026"),
        ("2026-03", date(2026, 3, 1), "month", "Mar 2026"),
        ("2025-12-19", date(2025, 12, 19), "day", "19 Dec 2025"),
    ],
)
def test_partial_dates_round_trip(text, value, precision, shown):
    assert units.parse_partial_date(text) == (value, precision)
    assert units.partial_date_input(value, precision) == text
    assert units.format_partial_date(value, precision) == shown


@pytest.mark.parametrize("text", ["", "26", "2026/03", "2026-00", "2026-02-29", "March 2026", "2026-03-15T00:00"])
def test_bad_partial_dates_say_why(text):
    with pytest.raises(ValueError, match=r".+"):
        units.parse_partial_date(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-03-00", "0 is not a day of the month: use 01 to 31."),
        ("2026-03-0", "0 is not a day of the month: use 01 to 31."),
        ("2026-03-32", "32 is not a day of the month: use 01 to 31."),
        ("2026-00-15", "0 is not a month: use 01 to 12."),
        ("2026-0", "0 is not a month: use 01 to 12."),
    ],
)
def test_zero_day_or_month_is_refused_not_read_as_missing(text, reason):
    with pytest.raises(ValueError) as refused:
        units.parse_partial_date(text)
    assert str(refused.value) == reason


def test_demo_loader_is_idempotent(db):
    first = load_toyota_japan()
    counts = [model.objects.count() for model in (VehicleModel, Powertrain, ModelYear, Plant, MarketAvailability)]
    second = load_toyota_japan()
    assert first == second
    assert counts == [
        model.objects.count() for model in (VehicleModel, Powertrain, ModelYear, Plant, MarketAvailability)
    ]
    assert counts == [3, 6, 4, 3, 4]  # Camry also has its 2023 exit from Japan
