"""Query filters for the read API. Unknown slugs simply match nothing (they reveal nothing);
values of the wrong shape are a 400 naming the parameter."""

from functools import partial

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema_field

from articles.models import Article, ArticleVehicle
from newsroom.syndication import parameters
from vehicles.models import MarketAvailability, VehicleModel

# Each pattern is what the OpenAPI schema declares and what the validator checks, so a value the
# schema allows is one the API takes. The validators end in ``\Z``: Python's ``$`` also matches
# before a trailing newline, which the schema's pattern does not allow.
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
MAX_SLUG_LENGTH = 100
MAX_ID = 2**62
_country = RegexValidator(COUNTRY_PATTERN[:-1] + r"\Z", "Use a two-letter ISO 3166-1 country code, e.g. JP.")
_slug = RegexValidator(SLUG_PATTERN[:-1] + r"\Z", "Use a slug: letters, digits, hyphens and underscores.")


def _declared(filter_field, schema):
    """``filter_field``, documented in the OpenAPI schema as ``schema`` with its help text."""
    return extend_schema_field({**schema, "description": filter_field.extra["help_text"]})(filter_field)


def _slug_filter(help_text, **kwargs):
    return _declared(
        django_filters.CharFilter(max_length=MAX_SLUG_LENGTH, validators=[_slug], help_text=help_text, **kwargs),
        {"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_SLUG_LENGTH},
    )


def _country_filter(help_text, **kwargs):
    return _declared(
        django_filters.CharFilter(max_length=2, validators=[_country], help_text=help_text, **kwargs),
        {"type": "string", "pattern": COUNTRY_PATTERN, "minLength": 2, "maxLength": 2},
    )


class _ParsedField(forms.Field):
    """A form field whose value is read by ``parse``, one of the rules in ``parameters``."""

    parse = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.parse(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid")


class TimestampField(_ParsedField):
    parse = staticmethod(parameters.timestamp)


class IdField(_ParsedField):
    parse = staticmethod(partial(parameters.whole_number, lowest=1, highest=MAX_ID))


class TimestampFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, read by ``parameters.timestamp``."""

    field_class = TimestampField


def _timestamp_filter(help_text, **kwargs):
    return _declared(TimestampFilter(help_text=help_text, **kwargs), parameters.TIMESTAMP_SCHEMA)


class IdFilter(django_filters.NumberFilter):
    """An id in ASCII digits from 1 to ``MAX_ID``, read by ``parameters.whole_number``."""

    field_class = IdField


class ArticleFilter(django_filters.FilterSet):
    section = _slug_filter("Section slug.", field_name="section__slug")
    tag = _slug_filter("Tag slug.", method="filter_tag")
    vehicle = _declared(
        IdFilter(method="filter_vehicle", help_text="Vehicle model id."),
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    )
    make = _slug_filter("Make slug, e.g. toyota.", method="filter_make")
    market = _country_filter(
        "Country code of a market where a vehicle in the article is announced or sold.", method="filter_market"
    )
    published_after = _timestamp_filter("ISO 8601 date-time, inclusive.", field_name="publish_at", lookup_expr="gte")
    published_before = _timestamp_filter("ISO 8601 date-time, exclusive.", field_name="publish_at", lookup_expr="lt")
    updated_after = _timestamp_filter(
        "Last update or correction, inclusive.", field_name="last_updated_at", lookup_expr="gte"
    )
    updated_before = _timestamp_filter(
        "Last update or correction, exclusive.", field_name="last_updated_at", lookup_expr="lt"
    )

    class Meta:
        model = Article
        fields = []

    def _with_vehicle(self, queryset, **lookups):
        return queryset.filter(Exists(ArticleVehicle.objects.filter(article=OuterRef("pk"), **lookups)))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__slug=value)

    def filter_vehicle(self, queryset, name, value):
        return self._with_vehicle(queryset, vehicle_model_id=value)

    def filter_make(self, queryset, name, value):
        return self._with_vehicle(queryset, vehicle_model__make__slug=value)

    def filter_market(self, queryset, name, value):
        return self._with_vehicle(queryset, vehicle_model__availabilities__market__country=value.upper())


class VehicleModelFilter(django_filters.FilterSet):
    make = _slug_filter("Make slug, e.g. toyota.", field_name="make__slug")
    market = _country_filter("Country code of a market.", method="filter_market")
    updated_after = _timestamp_filter("Last change, inclusive (ISO 8601).", field_name="updated_at", lookup_expr="gte")
    updated_before = _timestamp_filter("Last change, exclusive (ISO 8601).", field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = VehicleModel
        fields = []

    def filter_market(self, queryset, name, value):
        availability = MarketAvailability.objects.filter(vehicle_model=OuterRef("pk"), market__country=value.upper())
        return queryset.filter(Exists(availability))
