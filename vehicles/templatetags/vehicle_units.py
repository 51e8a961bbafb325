"""Template filters over vehicles.units, so pages format numbers and countries one way."""

from django import template

from vehicles import units

register = template.Library()


@register.filter
def number(value):
    return "" if value is None else units.format_number(value)


@register.filter
def country_name(code):
    return units.country_name(code)
