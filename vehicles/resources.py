"""CSV import and export of vehicle records (django-import-export).

One row per vehicle model (`VehicleModelResource`), per powertrain (`PowertrainResource`) or
per market launch (`MarketAvailabilityResource`), with makes and models named as editors know
them ("Toyota", "Tundra"), markets by country code, plants by code, choices by code or label,
power in kW and partial dates as typed in the admin ("2026", "2026-03", "2026-03-15").

Every problem is reported against its row and column: a number that is not one, an unknown
make or model, a row repeated in the file (or two rows that would clash on a unique constraint),
and anything the model's own validation refuses. `vehicles.importing` checks a whole file
without writing anything, then writes it in short batches.

The records a file names by text (makes, models, markets, plants) are read once per import
(`References`), and the records a batch of rows updates in one query (`BatchInstanceLoader`),
not row by row.

Files are written as `spreadsheet_csv.SpreadsheetSafeCSV`: text a spreadsheet would run as a
formula is exported behind a single quote, which the import takes off again.
"""

import contextlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, MultipleObjectsReturned, ValidationError
from django.utils.text import slugify
from import_export import fields, instance_loaders, resources, widgets

from vehicles import units
from vehicles.models import (
    AvailabilityStatus,
    EngineType,
    FuelType,
    Make,
    Market,
    MarketAvailability,
    Plant,
    Powertrain,
    VehicleModel,
    VehicleType,
)


class NumberWidget(widgets.DecimalWidget):
    """Numeric columns use this widget (or `WholeNumberWidget`). It exports the number, not its
    text, so the CSV format, which quotes text that starts like a formula, leaves -12 alone."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            return Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"“{value}” is not a number.")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class WholeNumberWidget(NumberWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is not None and number != number.to_integral_value():
            raise ValueError(f"“{value}” is not a whole number.")
        return None if number is None else int(number)


class ChoiceWidget(widgets.CharWidget):
    """Accepts a choice's code ("hev") or its label ("Hybrid"); exports the code."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for code, label in self.choices.choices:
            if text.lower() in (code.lower(), label.lower()):
                return code
        allowed = ", ".join(code for code, _ in self.choices.choices)
        raise ValueError(f"“{text}” is not one of: {allowed}.")


class BooleanWidget(widgets.BooleanWidget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if text in ("", "0", "false", "no", "n"):
            return False
        if text in ("1", "true", "yes", "y"):
            return True
        raise ValueError(f"“{value}” is not yes or no.")


class References:
    """The records rows name by text, read once: every make, market and plant (short lists), and
    a make's models when a row first names that make. One per resource instance, so one check or
    one run of the import task sees the database as it was when it began."""

    def __init__(self):
        self._makes = self._markets = self._plants = None
        self._models = {}

    @staticmethod
    def _index(records, *keys):
        """{key(record): record} per key function; the first record in the model's order wins,
        as `.first()` did."""
        indexes = tuple({} for _ in keys)
        for record in records:
            for index, key in zip(indexes, keys, strict=True):
                index.setdefault(key(record), record)
        return indexes

    def make(self, text):
        """By name (any case), else by slug."""
        if self._makes is None:
            self._makes = self._index(Make.objects.all(), lambda make: make.name.lower(), lambda make: make.slug)
        by_name, by_slug = self._makes
        return by_name.get(text.lower()) or by_slug.get(slugify(text))

    def vehicle_model(self, make, text):
        """One of the make's models by name (any case), else by slug."""
        if make.pk not in self._models:
            models = list(VehicleModel.objects.filter(make=make).order_by("name"))
            for model in models:
                model.make = make  # what messages and exported columns show, without a query per row
            self._models[make.pk] = self._index(models, lambda model: model.name.lower(), lambda model: model.slug)
        by_name, by_slug = self._models[make.pk]
        return by_name.get(text.lower()) or by_slug.get(slugify(text))

    def market(self, text):
        """By country code, else by name (any case)."""
        if self._markets is None:
            self._markets = self._index(Market.objects.all(), lambda market: market.country, lambda m: m.name.lower())
        by_country, by_name = self._markets
        return by_country.get(text.upper()) or by_name.get(text.lower())

    def plant(self, text):
        """By code (any case)."""
        if self._plants is None:
            (self._plants,) = self._index(Plant.objects.all(), lambda plant: plant.code.lower())
        return self._plants.get(text.lower())


class ReferenceWidget(widgets.ForeignKeyWidget):
    """A column naming another record; a resource gives all its widgets one `References`."""

    def __init__(self, model, field, **kwargs):
        self.references = References()
        super().__init__(model, field=field, **kwargs)


def find_make(references, value):
    text = str(value or "").strip()
    make = references.make(text)
    if make is None:
        raise ValueError(f"No make named “{text}”: add the make in the admin first.")
    return make


class MakeWidget(ReferenceWidget):
    def __init__(self, **kwargs):
        super().__init__(Make, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        return find_make(self.references, value)


class VehicleModelWidget(ReferenceWidget):
    """The model column names a model of the row's make, by name or slug."""

    def __init__(self, **kwargs):
        super().__init__(VehicleModel, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        make = find_make(self.references, row.get("make"))
        text = str(value or "").strip()
        found = self.references.vehicle_model(make, text)
        if found is None:
            raise ValueError(f"{make.name} has no model named “{text}”: import or add the model first.")
        return found


class MarketWidget(ReferenceWidget):
    def __init__(self, **kwargs):
        super().__init__(Market, field="country", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        market = self.references.market(text)
        if market is None:
            raise ValueError(f"No market “{text}”: use a market's country code (JP) or name (Japan).")
        return market


class PlantWidget(ReferenceWidget):
    def __init__(self, **kwargs):
        super().__init__(Plant, field="code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        plant = self.references.plant(text)
        if plant is None:
            raise ValueError(f"No plant with the code “{text}”.")
        return plant


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        try:
            value, precision = units.parse_partial_date(text)
        except ValueError as error:
            raise ValueError(str(error))
        if precision != units.PRECISION_DAY:
            raise ValueError(f"“{text}” is not a full date: write 2025-12-19.")
        return value

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class PartialDateWidget(widgets.Widget):
    """ "2026" / "2026-03" / "2026-03-15" ↔ (date, precision)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        return units.parse_partial_date(text) if text else (None, units.PRECISION_DAY)


class PartialDateField(fields.Field):
    """One column for a date and its precision (`start` + `start_precision`)."""

    def __init__(self, name):
        super().__init__(attribute=name, column_name=name, widget=PartialDateWidget())

    def save(self, instance, row, is_m2m=False, **kwargs):
        value, precision = self.clean(row, **kwargs)
        setattr(instance, self.attribute, value)
        setattr(instance, f"{self.attribute}_precision", precision)

    def export(self, instance, **kwargs):
        return units.partial_date_input(
            getattr(instance, self.attribute), getattr(instance, f"{self.attribute}_precision")
        )


class BatchInstanceLoader(instance_loaders.BaseInstanceLoader):
    """Finds the records a batch of rows updates with one query (`load`), where import-export's
    loader runs one per row. Matching is exact, as the database's `get()` was."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        model = resource._meta.model
        self.attnames = [model._meta.get_field(field.attribute).attname for field in self.id_fields]
        self.found = {}

    def key(self, row):
        values = [field.clean(row) for field in self.id_fields]
        return tuple(getattr(value, "pk", value) for value in values)

    def load(self, rows):
        keys = set()
        for row in rows:
            with contextlib.suppress(ValueError, KeyError):  # the row's own check reports it
                keys.add(self.key(row))
        self.found = {}
        if not keys:
            return
        candidates = (
            self.resource.get_queryset()
            .filter(**{f"{attname}__in": {key[i] for key in keys} for i, attname in enumerate(self.attnames)})
            .order_by()
        )
        for record in candidates:
            key = tuple(getattr(record, attname) for attname in self.attnames)
            if key in keys:
                self.found.setdefault(key, []).append(record)

    def get_instance(self, row):
        matches = self.found.get(self.key(row), [])
        if len(matches) > 1:
            model = self.resource._meta.model
            raise MultipleObjectsReturned(f"{len(matches)} {model._meta.verbose_name_plural} match this row.")
        return matches[0] if matches else None


class NoDiff:
    """import-export compares every row's fields before and after for its HTML preview, which an
    import of thousands of rows does not show (`skip_html_diff`); this skips the work."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass


class CheckedResource(resources.ModelResource):
    """Checks each row as a whole before it is loaded, so the check lists every problem."""

    required_columns: tuple = ()
    # Columns whose values identify a record; a second row with the same values is an error.
    key_columns: tuple = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.references = References()
        for field in self.fields.values():
            if isinstance(field.widget, ReferenceWidget):
                field.widget.references = self.references
        self._seen = {}
        self._unique_keys = {}
        self._row_number = None
        self._import_fields = None
        model = self._meta.model
        self._unique_field_sets = [constraint.fields for constraint in model._meta.total_unique_constraints]
        self._unique_field_sets += [(field.name,) for field in model._meta.local_fields if field.unique]

    def before_import_row(self, row, **kwargs):
        self._row_number = kwargs.get("row_number")
        errors = {}
        for column in self.required_columns:
            if not str(row.get(column) or "").strip():
                errors[column] = "This value is required."
        if str(row.get("make") or "").strip():
            try:
                find_make(self.references, row["make"])
            except ValueError as error:
                errors["make"] = str(error)
        for field in self.get_import_fields():
            if "make" in errors and field.column_name in ("make", "model"):
                continue  # the unknown make is the one problem to fix
            if field.column_name in row and field.column_name not in errors:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.column_name] = str(error)
        if self.key_columns and all(column in row for column in self.key_columns):
            key = tuple(str(row[column] or "").strip().lower() for column in self.key_columns)
            if key in self._seen:
                errors.setdefault(
                    self.key_columns[-1], f"Row {self._seen[key]} has the same {' and '.join(self.key_columns)}."
                )
            else:
                self._seen[key] = self._row_number
        if errors:
            raise ValidationError(errors)
        super().before_import_row(row, **kwargs)

    def get_import_fields(self):
        # import-export asks for this list several times a row; it never changes.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def get_diff_class(self):
        return NoDiff

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """`Model.full_clean()`, less the query per row and relation that checks a related record
        exists when the widgets have just read it from the database; then the unique constraints
        among the file's rows: rows are checked before any is saved, so the database cannot see
        two rows of the file clash."""
        errors = dict(import_validation_errors or {})
        just_read = {
            field.name for field in instance._meta.concrete_fields if field.is_relation and field.is_cached(instance)
        }
        try:
            instance.full_clean(exclude=set(errors) | just_read, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # As full_clean() does: the unique and other constraints, over the fields that passed.
        for validate in (instance.validate_unique, instance.validate_constraints):
            try:
                validate(exclude={name for name in errors if name != NON_FIELD_ERRORS})
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        keys = []
        for field_names in self._unique_field_sets:
            values = tuple(getattr(instance, self._meta.model._meta.get_field(name).attname) for name in field_names)
            if None in values:
                continue  # NULLs never clash
            keys.append((field_names, values))
            earlier = self._unique_keys.get((field_names, values))
            if earlier is not None and earlier != self._row_number:
                raise ValidationError(
                    {field_names[-1]: f"Row {earlier} has the same {' and '.join(field_names)} (“{values[-1]}”)."}
                )
        for key in keys:
            self._unique_keys.setdefault(key, self._row_number)


class VehicleModelResource(CheckedResource):
    make = fields.Field(attribute="make", column_name="make", widget=MakeWidget())
    vehicle_type = fields.Field(attribute="vehicle_type", column_name="vehicle_type", widget=ChoiceWidget(VehicleType))

    required_columns = ("make", "name", "vehicle_type", "body_class")
    key_columns = ("make", "name")

    class Meta:
        model = VehicleModel
        fields = ("make", "name", "slug", "vehicle_type", "body_class", "segment", "description")
        import_id_fields = ("make", "name")
        clean_model_instances = True
        skip_unchanged = True
        skip_html_diff = True
        report_skipped = True
        store_instance = True  # the check hands each row's record to the write step

    def before_import_row(self, row, **kwargs):
        if not str(row.get("slug") or "").strip() and row.get("name"):
            row["slug"] = slugify(row["name"])
        super().before_import_row(row, **kwargs)

    def get_queryset(self):
        return VehicleModel.objects.for_listing()

    def get_export_queryset(self, request=None):
        return self.get_queryset()


class PowertrainResource(CheckedResource):
    make = fields.Field(column_name="make", attribute="vehicle_model__make__name", readonly=True)
    vehicle_model = fields.Field(attribute="vehicle_model", column_name="model", widget=VehicleModelWidget())
    engine_type = fields.Field(attribute="engine_type", column_name="engine_type", widget=ChoiceWidget(EngineType))
    fuel_type = fields.Field(attribute="fuel_type", column_name="fuel_type", widget=ChoiceWidget(FuelType))
    displacement_cc = fields.Field(
        attribute="displacement_cc", column_name="displacement_cc", widget=WholeNumberWidget()
    )
    cylinders = fields.Field(attribute="cylinders", column_name="cylinders", widget=WholeNumberWidget())
    power_kw = fields.Field(attribute="power_kw", column_name="power_kw", widget=NumberWidget())
    torque_nm = fields.Field(attribute="torque_nm", column_name="torque_nm", widget=NumberWidget())
    figures_unconfirmed = fields.Field(
        attribute="figures_unconfirmed", column_name="figures_unconfirmed", widget=BooleanWidget()
    )

    required_columns = ("make", "model", "name", "engine_type", "fuel_type", "power_kw")
    key_columns = ("make", "model", "name")

    class Meta:
        model = Powertrain
        fields = (
            "make",
            "vehicle_model",
            "name",
            "engine_type",
            "fuel_type",
            "displacement_cc",
            "cylinders",
            "aspiration",
            "power_kw",
            "torque_nm",
            "transmission",
            "figures_unconfirmed",
        )
        import_id_fields = ("vehicle_model", "name")
        clean_model_instances = True
        skip_unchanged = True
        skip_html_diff = True
        report_skipped = True
        store_instance = True  # the check hands each row's record to the write step

    def get_queryset(self):
        return Powertrain.objects.select_related("vehicle_model__make")

    def get_export_queryset(self, request=None):
        return self.get_queryset()


class MarketAvailabilityResource(CheckedResource):
    make = fields.Field(column_name="make", attribute="vehicle_model__make__name", readonly=True)
    vehicle_model = fields.Field(attribute="vehicle_model", column_name="model", widget=VehicleModelWidget())
    market = fields.Field(attribute="market", column_name="market", widget=MarketWidget())
    status = fields.Field(attribute="status", column_name="status", widget=ChoiceWidget(AvailabilityStatus))
    announced_on = fields.Field(attribute="announced_on", column_name="announced_on", widget=DateWidget())
    start = PartialDateField("start")
    end = PartialDateField("end")
    source_plant = fields.Field(attribute="source_plant", column_name="source_plant", widget=PlantWidget())

    required_columns = ("make", "model", "market", "status")
    key_columns = ("make", "model", "market", "status")

    class Meta:
        model = MarketAvailability
        fields = (
            "make",
            "vehicle_model",
            "market",
            "status",
            "announced_on",
            "start",
            "end",
            "source_plant",
            "source_country",
            "note",
        )
        import_id_fields = ("vehicle_model", "market", "status")
        clean_model_instances = True
        skip_unchanged = True
        skip_html_diff = True
        report_skipped = True
        store_instance = True  # the check hands each row's record to the write step

    def dehydrate_market(self, availability):
        return availability.market.country

    def dehydrate_source_plant(self, availability):
        return availability.source_plant.code if availability.source_plant else ""

    def get_queryset(self):
        return MarketAvailability.objects.select_related("vehicle_model__make", "market", "source_plant")

    def get_export_queryset(self, request=None):
        return self.get_queryset()


# What a CsvImport's `kind` names: the model (admin URL name) and the resource that reads its rows.
RESOURCES = {
    "vehiclemodel": VehicleModelResource,
    "powertrain": PowertrainResource,
    "marketavailability": MarketAvailabilityResource,
}
