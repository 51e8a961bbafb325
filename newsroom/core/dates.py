"""How the public site writes dates: one style for readers, one machine form, decided here.

Readers see "4 Dec 2026, 03:10 UTC" for a moment, "4 Dec 2026" for a day, "Mar 2027" for a month
and "2027" for a year, in every public template (through ``{% reader_time %}``, the
``reader_dates`` library), in the vehicle launch timeline and in the demo's words alike.
Machines get ISO 8601: a moment in UTC without fractions of a second ("2026-12-04T03:10:00Z";
HTML's ``<time datetime>`` allows at most three fractional digits), a date to its own precision
("2026-12-04", "2027-03", "2027"). The admin keeps Django's formats."""

from datetime import UTC, datetime

from django.utils import dateformat, timezone
from django.utils import dates as django_dates
from django.utils.html import format_html

MINUTE, DAY, MONTH, YEAR = "minute", "day", "month", "year"
READER_FORMATS = {MINUTE: "j M Y, H:i T", DAY: "j M Y", MONTH: "M Y", YEAR: "Y"}
MACHINE_FORMATS = {DAY: "%Y-%m-%d", MONTH: "%Y-%m", YEAR: "%Y"}


def _local(value):
    return timezone.localtime(value) if isinstance(value, datetime) and timezone.is_aware(value) else value


def machine(value, precision=MINUTE):
    """ISO 8601 for ``datetime`` attributes and structured data; "" for None. A date (a vehicle
    launch) is written to its ``precision``."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # a moment keeps its time, even where readers see only the day
        return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.strftime(MACHINE_FORMATS[precision])


def reader(value, precision=MINUTE):
    """The date as readers see it; "" for None."""
    if value is None:
        return ""
    return dateformat.format(_local(value), READER_FORMATS[precision])


def time_element(value, precision=MINUTE):
    """``<time datetime="…">…</time>`` (safe HTML); "" for None."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', machine(value, precision), reader(value, precision))


def desk(value):
    """A moment as an editor reads it on the desk: local time with the zone, and UTC beside it
    when the newsroom is elsewhere ("9 Dec 2026, 10:00 CET (09:00 UTC)")."""
    local = timezone.localtime(value)
    text = f"{local.day} {django_dates.MONTHS_3[local.month].title()} {local:%Y, %H:%M %Z}"
    if local.tzname() != "UTC":
        text += f" ({value.astimezone(UTC):%H:%M} UTC)"
    return text
