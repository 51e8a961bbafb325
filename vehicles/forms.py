"""Admin forms for vehicle records: partial dates, power in either unit, and the VIN tool.

Limits and parsing live in vehicles.units and the models; the forms only translate."""

from datetime import date
from decimal import Decimal

from django import forms

from vehicles import importing, units
from vehicles.models import DatePrecision, MarketAvailability, Powertrain

PARTIAL_DATE_HELP = "2026, 2026-03 or 2026-03-15: as much as is known."


class PartialDateField(forms.CharField):
    """Takes "2026", "2026-03" or "2026-03-15"; cleans to (date, precision) or None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "YYYY[-MM[-DD]]", "size": 12}))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return units.parse_partial_date(text)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid")

    def has_changed(self, initial, data):
        return (initial or "") != (data or "").strip()


class MarketAvailabilityForm(forms.ModelForm):
    """Start and end are typed as partial dates and stored as date + precision."""

    start = PartialDateField(label="On sale from")
    end = PartialDateField(label="Until")

    class Meta:
        model = MarketAvailability
        fields = [
            "vehicle_model",
            "market",
            "status",
            "announced_on",
            "start",
            "end",
            "source_plant",
            "source_country",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            value = getattr(self.instance, name)
            self.initial[name] = units.partial_date_input(value, getattr(self.instance, f"{name}_precision"))

    def clean(self):
        cleaned = super().clean()
        for name in ("start", "end"):
            if name not in cleaned:
                continue  # the field's own error is shown
            value, precision = cleaned[name] or (None, DatePrecision.DAY)
            cleaned[name] = date(value.year, value.month, value.day) if value else None
            setattr(self.instance, f"{name}_precision", precision)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", f"The end ({self.data_text('end')}) is before the start ({self.data_text('start')}).")
        return cleaned

    def data_text(self, name):
        return (self[name].value() or "").strip()


POWER_LIMITS_KW = (Decimal(1), Decimal(2000))
TORQUE_LIMITS_NM = (Decimal(1), Decimal(5000))


class PowertrainForm(forms.ModelForm):
    """Power and torque in the maker's units (hp, lb-ft) or in SI; stored in SI."""

    power_hp = forms.DecimalField(label="Power (hp)", required=False, max_digits=8, decimal_places=1)
    torque_lbft = forms.DecimalField(label="Torque (lb-ft)", required=False, max_digits=8, decimal_places=1)

    class Meta:
        model = Powertrain
        fields = [
            "name",
            "engine_type",
            "fuel_type",
            "displacement_cc",
            "cylinders",
            "aspiration",
            "power_kw",
            "power_hp",
            "torque_nm",
            "torque_lbft",
            "transmission",
            "figures_unconfirmed",
        ]
        help_texts = {"power_kw": "Fill in kW or hp.", "torque_nm": "Fill in N·m or lb-ft."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["power_kw"].required = False
        # The range checks below give one message naming both units; skip the bare model ones.
        self.fields["power_kw"].validators = []
        self.fields["torque_nm"].validators = []
        if self.instance.pk:
            self.initial.setdefault("power_hp", self.instance.power_hp)
            self.initial.setdefault("torque_lbft", self.instance.torque_lbft)

    def clean(self):
        cleaned = super().clean()
        self._combine(cleaned, "power_kw", "power_hp", units.hp_to_kw, units.kw_to_hp, POWER_LIMITS_KW, "kW", "hp")
        self._combine(
            cleaned, "torque_nm", "torque_lbft", units.lbft_to_nm, units.nm_to_lbft, TORQUE_LIMITS_NM, "N·m", "lb-ft"
        )
        if cleaned.get("power_kw") is None and not self.has_error("power_kw") and not self.has_error("power_hp"):
            self.add_error("power_kw", "Enter the power, in kW or in hp.")
        return cleaned

    def _combine(self, cleaned, si_name, other_name, to_si, from_si, limits, si_unit, other_unit):
        """Fill the SI field from the other unit; refuse disagreeing or implausible figures."""
        si, other = cleaned.get(si_name), cleaned.get(other_name)
        other_changed, si_changed = other_name in self.changed_data, si_name in self.changed_data
        # The editor's figure is the other unit when SI is blank, or when only the other one was changed.
        use_other = other is not None and (si is None or (other_changed and not si_changed))
        if other is not None and si is not None and other_changed and not use_other:
            converted = to_si(other)
            if abs(converted - si) > max(Decimal(1), si / 100):
                self.add_error(
                    other_name,
                    f"{units.format_number(other)} {other_unit} is {units.format_number(converted)} {si_unit}, "
                    f"not {units.format_number(si)}: fill in one of the two.",
                )
                return
        value, typed, unit, field = (
            (to_si(other), other, other_unit, other_name) if use_other else (si, si, si_unit, si_name)
        )
        if value is None:
            return
        low, high = limits
        if not low <= value <= high:
            self.add_error(
                field,
                f"{units.format_number(typed)} {unit} is not a plausible figure: it must be between "
                f"{units.format_number(low)} and {units.format_number(high)} {si_unit} "
                f"({units.format_number(from_si(low))}–{units.format_number(from_si(high))} {other_unit}).",
            )
            return
        cleaned[si_name] = value


class VinForm(forms.Form):
    vin = forms.CharField(
        label="VIN",
        max_length=64,
        help_text="17 characters; spaces are ignored.",
        widget=forms.TextInput(attrs={"size": 24, "autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
    )


class CsvUploadForm(forms.Form):
    """A CSV file of vehicle records to import: readable, within the size limit, with the columns
    the import needs. The rows themselves are checked afterwards (vehicles.importing)."""

    import_file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row, as the export writes it (“CSV UTF-8” in a spreadsheet).",
    )

    def __init__(self, resource, *args, **kwargs):
        self.resource = resource
        self.text = self.csv_file = None
        super().__init__(*args, **kwargs)

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > importing.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.0f} MB; an import takes up to "
                f"{importing.MAX_UPLOAD_BYTES // 2**20} MB: split it into several files."
            )
        try:
            self.text = importing.decode(upload.read())
            self.csv_file = importing.read_csv(self.text)
        except importing.UnreadableFile as error:
            raise forms.ValidationError(str(error))
        problems = importing.file_problems(self.resource, self.csv_file)
        if problems:
            messages = [message for _, _, message in problems]
            if any(column for _, column, _ in problems):
                messages.append(f"The file needs these columns: {', '.join(self.resource.required_columns)}.")
            raise forms.ValidationError(messages)
        return upload
