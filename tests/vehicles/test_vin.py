import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vehicles import vin
from vehicles.models import WMI

ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
YEAR_CODES = vin.YEAR_CODES


@pytest.mark.parametrize(
    ("text", "check"),
    [("1G4AH59H45G118341", "4"), ("1M8GDM9AXKP042788", "X"), ("1FTMW1T88MFA00001", "8")],
)
def test_facts_vectors_are_valid_with_their_check_digit(text, check):
    assert vin.problems(text) == []
    assert vin.check_digit(text) == check


def test_model_years_of_the_vectors_follow_the_position_7_rule():
    assert vin.model_year("1G4AH59H45G118341") == 2005  # digit in position 7: 1980-2009
    assert vin.model_year("1M8GDM9AXKP042788") == 1989
    assert vin.model_year("1FTMW1T88MFA00001") == 2021  # letter in position 7: 2010-2039


@pytest.mark.parametrize(
    ("code", "years"),
    [
        ("A", (1980, 2010)),
        ("Y", (2000, 2030)),
        ("1", (2001, 2031)),
        ("R", (1994, 2024)),
        ("S", (1995, 2025)),
        ("T", (1996, 2026)),
        ("V", (1997, 2027)),
        ("9", (2009, 2039)),
    ],
)
def test_year_codes(code, years):
    assert vin.model_year_candidates(code) == years


def test_ford_vector_decodes_to_ford_united_states_2021(db):
    decoded = vin.decode("1FTMW1T88MFA00001")
    assert decoded.valid
    assert decoded.model_year == 2021
    fields = decoded.as_dict()
    assert fields["Manufacturer"] == "Ford Motor Company"
    assert fields["Make"] == "Ford"
    assert fields["Country"] == "United States"
    assert fields["VehicleType"] == "Truck"
    assert fields["PlantCode"] == "F"
    assert fields["SerialNumber"] == "A00001"


def test_every_toyota_wmi_in_facts_is_seeded(db):
    seeded = {wmi.code: wmi for wmi in WMI.objects.select_related("manufacturer", "make")}
    for code in ("4T1", "5TD", "5TF"):
        assert seeded[code].make.name == "Toyota"
        assert seeded[code].country == "US"
    for code in (
        "1FA",
        "1FT",
        "1FM",
        "1FD",
        "1G1",
        "1GC",
        "1G4",
        "1HG",
        "JHM",
        "1N4",
        "JN1",
        "KMH",
        "KNA",
        "WBA",
        "WDD",
        "WVW",
        "5YJ",
        "JT2",
        "JTD",
        "JTM",
    ):
        assert code in seeded


def test_decode_matches_the_demo_tundra_and_its_plant(demo):
    tundra_vin = vin.with_check_digit("5TFLA5DB0SX123456")  # 5TF, letter in 7, S = 2025, X = San Antonio
    decoded = vin.decode(tundra_vin.lower())  # case does not matter
    assert decoded.valid, decoded.problems
    assert decoded.model_year == 2025
    assert decoded.plant.city == "San Antonio"
    assert decoded.vehicle_model == demo["vehicles"]["tundra"]
    assert decoded.as_dict()["PlantState"] == "Texas"
    # Two trims of 2025 are built there, so no single model-year record is claimed.
    assert decoded.model_year_record is None


def test_decode_with_an_unknown_wmi_still_gives_the_year(db):
    decoded = vin.decode(vin.with_check_digit("ZZZAA11A0SX123456"))
    assert decoded.valid
    assert decoded.wmi is None
    assert decoded.as_dict()["Manufacturer"] == ""
    assert decoded.model_year == 1995


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1FTMW1T84MFA00001", "character 9 should be 8, the check digit, but is 4"),
        ("1M8GDM9A4KP042788", "character 9 should be X, the check digit, but is 4"),
        ("1FTMW1T88MFA0000", "character 17 is missing: a VIN has 17 characters, this one has 16"),
        ("1FTMW1T88MFA000011", "character 18 onwards is extra: a VIN has 17 characters, this one has 18"),
        ("", "character 1 onwards is missing: a VIN has 17 characters, this one has 0"),
        ("1FTMW1T88MFA0O001", "character 14 is O, which never appears in a VIN (no I, O or Q)"),
        ("IFTMW1T88MFA00001", "character 1 is I, which never appears in a VIN (no I, O or Q)"),
        ("1FTMW1T88MFA0Q001", "character 14 is Q, which never appears in a VIN (no I, O or Q)"),
        ("1FTMW1T88MFA0-001", "character 14 is '-', which is not a letter or digit"),
        ("1FTMW1T88MFA0é001", "character 14 is 'É', which is not a letter or digit"),
    ],
)
def test_each_problem_names_the_position_and_the_reason(text, message):
    assert message in [problem.message for problem in vin.problems(vin.normalise(text))]


@pytest.mark.parametrize("year_code", ["U", "Z", "0"])
def test_impossible_year_code_is_named(year_code):
    text = vin.with_check_digit(f"1FTMW1T80{year_code}FA00001")
    messages = [problem.message for problem in vin.problems(text)]
    assert messages == [
        f"character 10 is {year_code}, which is not a model-year code (the year code is never I, O, Q, U, Z or 0)"
    ]


def test_bad_input_never_raises(db):
    for text in [None, "", " ", "x" * 10_000, "\x00" * 17, "1FTMW1T88MFA00001\n", "１ＦＴＭＷ１Ｔ８８ＭＦＡ００００１"]:
        decoded = vin.decode(text)
        assert isinstance(decoded.problems, list)
    assert vin.decode(" 1FTM W1T8 8MFA 00001 ").valid  # spaces are ignored


vin_bodies = st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(
    lambda text: text[:9] + YEAR_CODES[ALPHABET.index(text[9]) % len(YEAR_CODES)] + text[10:]
)


@settings(max_examples=200, deadline=None)
@given(vin_bodies)
def test_every_vin_built_with_its_check_digit_validates(body):
    text = vin.with_check_digit(body)
    assert vin.problems(text) == []
    assert 1980 <= vin.model_year(text) <= 2039


@settings(max_examples=200, deadline=None)
@given(vin_bodies, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET + "IOQ-a "))
def test_a_single_character_change_is_caught_unless_it_transliterates_the_same(body, index, char):
    original = vin.with_check_digit(body)
    changed = original[:index] + char + original[index + 1 :]
    normalised = vin.normalise(changed)  # lower case is read as upper case
    problems = vin.problems(normalised)  # never raises
    if normalised == original:
        assert problems == []
    elif not problems:
        # Only a character with the same transliterated value (A, J and 1 are all 1) slips through,
        # and never at the check digit itself.
        assert index != 8
        assert vin.TRANSLITERATION[normalised[index]] == vin.TRANSLITERATION[original[index]]


@pytest.mark.parametrize(
    ("text", "make", "country", "year"),
    [
        ("1G4AH59H45G118341", "Buick", "United States", 2005),
        ("1M8GDM9AXKP042788", "MCI", "United States", 1989),
        ("1FTMW1T88MFA00001", "Ford", "United States", 2021),
    ],
)
def test_facts_vectors_decode_from_the_seeded_wmi_table(db, text, make, country, year):
    fields = vin.decode(text).as_dict()
    assert (fields["Make"], fields["Country"], fields["ModelYear"]) == (make, country, year)
