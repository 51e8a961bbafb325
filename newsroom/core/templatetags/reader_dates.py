"""``{% reader_time value %}`` (a moment), ``{% reader_time value "day" %}``, ``"month"`` or
``"year"``: a ``<time>`` element in the public site's one date style (``newsroom.core.dates``)."""

from django import template

from newsroom.core import dates

register = template.Library()


@register.simple_tag
def reader_time(value, precision=dates.MINUTE):
    return dates.time_element(value, precision)


@register.filter
def machine_time(value):
    """ISO 8601 in UTC, no fractions of a second: for <meta> content and other machine fields."""
    return dates.machine(value)
