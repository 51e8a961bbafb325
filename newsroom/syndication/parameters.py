"""Values read from query parameters and cursors: one rule for each kind of value, used by every
filter, cursor and view that takes one, so that a value is refused the same way wherever it comes
in (the caller turns the ValueError into a 400 naming its parameter)."""

from datetime import UTC

from django.utils import timezone
from django.utils.dateparse import parse_datetime

MAX_TIMESTAMP_LENGTH = 40
TIMESTAMP_RULE = "Use an ISO 8601 date-time from the year 1 to 9999 in UTC, e.g. 2026-02-16T09:00:00Z."
# What the OpenAPI schema declares for a timestamp parameter: an RFC 3339 date-time in the years
# 2 to 9998, every one of which is within the years 1-9999 once in UTC, as ``timestamp`` requires
# (0001-01-01T00:13:01+04:09 is not). The years 1 and 9999 are still read where they can be.
TIMESTAMP_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^(000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])-",
}


def whole_number(text, lowest, highest):
    """The integer ``text`` writes in ASCII digits, from ``lowest`` to ``highest``; else ValueError.

    Other digits ("²", "٣") and signs are refused, and a long string of digits is refused before
    it is converted (Python refuses to convert more than 4,300 digits)."""
    rule = f"Must be a whole number from {lowest} to {highest}."
    if not (isinstance(text, str) and text.isascii() and text.isdigit()):
        raise ValueError(rule)
    if len(text.lstrip("0")) > len(str(highest)) or not lowest <= int(text) <= highest:
        raise ValueError(rule)
    return int(text)


def timestamp(text):
    """The instant an ISO 8601 date-time names, in UTC (without an offset: in the site's time zone);
    else ValueError.

    Refused: digits other than ASCII ones, impossible dates, offsets of a day or more, and instants
    outside the years 1-9999 once in UTC (9999-12-31T23:59:59-01:00 is one). Answering in UTC also
    keeps offsets PostgreSQL refuses (beyond 15:59) away from the database."""
    if not (isinstance(text, str) and text.isascii() and len(text) <= MAX_TIMESTAMP_LENGTH):
        raise ValueError(TIMESTAMP_RULE)
    try:
        value = parse_datetime(text.strip())
        if value is None:
            raise ValueError(TIMESTAMP_RULE)
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(TIMESTAMP_RULE) from None
