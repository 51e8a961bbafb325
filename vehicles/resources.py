"""CSV import and export of vehicle records (django-import-export).

One row per vehicle model (`VehicleModelResource`), per powertrain (`PowertrainResource`) or
per market launch (`MarketAvailabilityResource`), with makes and models named as editors know
them ("Toyota", "Tundra"), markets by country code, plants by code, choices by code or label,
power in kW and partial dates as typed in the admin ("2026", "2026-03", "2026-03-15").

Every problem is reported against its row and column: a missing column, a number that is not
one, an unknown make or model, a row repeated in the file, and anything the model's own
validation refuses. Imports are all-or-nothing: `import_csv` (and the admin's confirm step)
roll back the whole file when any row is wrong.

Files are written and read as `spreadsheet_csv.SpreadsheetSafeCSV`: text a spreadsheet would run
as a formula is exported behind a single quote, which the import takes off again.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from import_export import fields, resources, widgets

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
from vehicles.spreadsheet_csv import SpreadsheetSafeCSV


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


class MakeWidget(widgets.ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Make, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        make = Make.objects.filter(name__iexact=text).first() or Make.objects.filter(slug=slugify(text)).first()
        if make is None:
            raise ValueError(f"No make named “{text}”: add the make in the admin first.")
        return make


class VehicleModelWidget(widgets.ForeignKeyWidget):
    """The model column names a model of the row's make, by name or slug."""

    def __init__(self, **kwargs):
        super().__init__(VehicleModel, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        make = MakeWidget().clean(row.get("make"))
        text = str(value or "").strip()
        found = VehicleModel.objects.filter(make=make, name__iexact=text).first()
        found = found or VehicleModel.objects.filter(make=make, slug=slugify(text)).first()
        if found is None:
            raise ValueError(f"{make.name} has no model named “{text}”: import or add the model first.")
        return found


class MarketWidget(widgets.ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Market, field="country", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        market = Market.objects.filter(country=text.upper()).first() or Market.objects.filter(name__iexact=text).first()
        if market is None:
            raise ValueError(f"No market “{text}”: use a market's country code (JP) or name (Japan).")
        return market


class PlantWidget(widgets.ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Plant, field="code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        plant = Plant.objects.filter(code__iexact=text).first()
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


class CheckedResource(resources.ModelResource):
    """Checks each row as a whole before it is loaded, so the dry run lists every problem."""

    required_columns: tuple = ()
    # Columns whose values identify a record; a second row with the same values is an error.
    key_columns: tuple = ()

    def before_import(self, dataset, **kwargs):
        self._seen = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        errors = {}
        for column in self.required_columns:
            if column not in row:
                errors[column] = f"The file has no “{column}” column."
            elif not str(row[column] or "").strip():
                errors[column] = "This value is required."
        if str(row.get("make") or "").strip():
            try:
                MakeWidget().clean(row["make"])
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
            number = kwargs.get("row_number")
            if key in self._seen:
                errors.setdefault(
                    self.key_columns[-1], f"Row {self._seen[key]} has the same {' and '.join(self.key_columns)}."
                )
            else:
                self._seen[key] = number
        if errors:
            raise ValidationError(errors)
        super().before_import_row(row, **kwargs)


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
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        if not str(row.get("slug") or "").strip() and row.get("name"):
            row["slug"] = slugify(row["name"])
        super().before_import_row(row, **kwargs)

    def get_export_queryset(self, request=None):
        return VehicleModel.objects.for_listing()


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
        report_skipped = True

    def get_export_queryset(self, request=None):
        return Powertrain.objects.select_related("vehicle_model__make")


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
        report_skipped = True

    def dehydrate_market(self, availability):
        return availability.market.country

    def dehydrate_source_plant(self, availability):
        return availability.source_plant.code if availability.source_plant else ""

    def get_export_queryset(self, request=None):
        return MarketAvailability.objects.select_related("vehicle_model__make", "market", "source_plant")


def import_csv(resource, text, *, dry_run):
    """Import CSV text all-or-nothing; returns import-export's Result (check `has_errors()`,
    `has_validation_errors()`, `invalid_rows`). Nothing is saved on a dry run or on any error."""
    try:
        dataset = SpreadsheetSafeCSV().create_dataset(text)
    except Exception as error:  # tablib and csv raise several kinds for a malformed file
        result = resource.get_result_class()()
        result.append_base_error(
            resource.get_error_result_class()(ValueError(f"This is not a readable CSV file ({error})"))
        )
        return result
    return resource.import_data(
        dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True, raise_errors=False
    )


def row_problems(result):
    """[(row number, column, message)] from a Result: what the dry run shows, as data."""
    problems = []
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            problems.extend((row.number, column, message) for message in messages)
    for row in result.error_rows:
        problems.extend((row.number, None, str(error.error)) for error in row.errors)
    problems.extend((None, None, str(error.error)) for error in result.base_errors)
    return problems
