"""Admin for vehicle records: editors keep makes, models (with their model years, powertrains
and market launches inline), plants, markets and WMIs; import and export CSV; decode a VIN."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.admin import ExportMixin

from newsroom.core.admin import KnownKeysAdmin, LabelledCells, PolicyAdmin
from vehicles import tasks
from vehicles import vin as vin_module
from vehicles.forms import CsvUploadForm, MarketAvailabilityForm, PowertrainForm, VinForm
from vehicles.importing import create_import
from vehicles.models import (
    WMI,
    CsvImport,
    Make,
    Manufacturer,
    Market,
    MarketAvailability,
    ModelYear,
    Plant,
    Powertrain,
    VehicleModel,
)
from vehicles.permissions import VehicleRecordPolicy
from vehicles.resources import RESOURCES, MarketAvailabilityResource, PowertrainResource, VehicleModelResource
from vehicles.spreadsheet_csv import SpreadsheetSafeCSV

# How many of a kind's latest imports the import page lists.
RECENT_IMPORTS = 10


def duration_text(start, end):
    """ "1 min 5 s" """
    if not (start and end):
        return ""
    minutes, seconds = divmod(round((end - start).total_seconds()), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


class CsvAdmin(PolicyAdmin, ExportMixin, admin.ModelAdmin):
    """Export: CSV safe to open in a spreadsheet; needs view permission. Import (add and change
    permission): upload a file, see its check, start the import and follow it on the import's own
    page (vehicles.importing), which anyone who may import can reopen later."""

    permission_policy_class = VehicleRecordPolicy
    formats = [SpreadsheetSafeCSV]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"

    def has_import_permission(self, request):
        return self.user_may(request, "import")

    def has_export_permission(self, request):
        return self.user_may(request, "export")

    def export_action(self, request):
        """The export, narrowed by the list's filters in its URL. Filters that name no field, or a
        value of the wrong kind, send the editor back to the list with the reason (as the list
        itself answers them) instead of failing."""
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            self.message_user(
                request,
                f"Nothing was exported: the filters in that address do not apply to "
                f"{self.opts.verbose_name_plural}. Filter the list, then export from it.",
                messages.ERROR,
            )
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        imports = [
            path("import/", view(self.import_view), name=self._url_name("import")),
            path("import/<int:import_id>/", view(self.import_progress_view), name=self._url_name("import_progress")),
        ]
        return imports + super().get_urls()

    def _url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def import_view(self, request):
        """Upload a file; it is checked (now, or by the task worker) and its page shows the result."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        kind = self.opts.model_name
        resource = RESOURCES[kind]()
        form = CsvUploadForm(resource, request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            csv_import = create_import(kind, upload.name, form.csv_file, form.text, request.user)
            tasks.start_check(csv_import)
            return redirect(self._progress_url(csv_import))
        recent = CsvImport.objects.filter(kind=kind).defer("text", "problems").select_related("created_by")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "form": form,
            "columns": [field.column_name for field in resource.get_user_visible_fields()],
            "required_columns": resource.required_columns,
            "key_columns": resource.key_columns,
            "recent_imports": [(csv_import, self._progress_url(csv_import)) for csv_import in recent[:RECENT_IMPORTS]],
        }
        return TemplateResponse(request, "vehicles/admin/csv_import.html", context)

    def import_progress_view(self, request, import_id):
        """One import: its check, its progress (the page reloads itself meanwhile) and its result.
        POST starts a checked import, or resumes a stopped one."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        imports = CsvImport.objects.defer("text").select_related("created_by")
        csv_import = get_object_or_404(imports, pk=import_id, kind=self.opts.model_name)
        if request.method == "POST":
            tasks.start_import(csv_import)  # a second click finds it importing already: nothing to do
            return redirect(self._progress_url(csv_import))
        checking = csv_import.status == CsvImport.Status.CHECKING
        rows_done = csv_import.rows_checked if checking else csv_import.rows_imported
        no_totals = {"new": 0, "update": 0, "skip": 0}
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import of {csv_import.file_name}",
            "opts": self.opts,
            "csv_import": csv_import,
            "stalled": csv_import.stalled(),
            "rows_done": rows_done,
            "percent": rows_done * 100 // max(1, csv_import.total_rows),
            "next_row": csv_import.rows_imported + 1,
            "expected": no_totals | csv_import.expected,
            "imported": no_totals | csv_import.imported,
            "elapsed": duration_text(csv_import.import_started_at, csv_import.finished_at),
            "upload_url": reverse(f"admin:{self._url_name('import')}"),
        }
        return TemplateResponse(request, "vehicles/admin/csv_import_progress.html", context)

    def _progress_url(self, csv_import):
        return reverse(f"admin:{self._url_name('import_progress')}", args=[csv_import.pk])


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    list_display = ["name", "country"]
    list_filter = ["country"]
    search_fields = ["name"]


@admin.register(Make)
class MakeAdmin(KnownKeysAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["manufacturers"]


@admin.register(WMI)
class WMIAdmin(admin.ModelAdmin):
    list_display = ["code", "manufacturer", "make", "country", "vehicle_type"]
    list_filter = ["country", "make"]
    list_select_related = ["manufacturer", "make"]
    search_fields = ["code", "manufacturer__name", "make__name"]
    change_list_template = "vehicles/admin/wmi_change_list.html"

    def get_urls(self):
        decode = path("decode-vin/", self.admin_site.admin_view(self.decode_vin_view), name="vehicles_decode_vin")
        return [decode, *super().get_urls()]

    def decode_vin_view(self, request):
        """Paste a VIN, see what it says or exactly what is wrong with it."""
        form = VinForm(request.GET or None)
        decoded = vin_module.decode(form.cleaned_data["vin"]) if form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "title": "Decode a VIN",
            "opts": self.opts,
            "form": form,
            "decoded": decoded,
            "fields": decoded.as_dict() if decoded and decoded.valid else None,
        }
        return TemplateResponse(request, "vehicles/admin/decode_vin.html", context)


class PowertrainInline(admin.StackedInline):
    """Each powertrain a short block, its figures side by side: as twelve table columns they made
    the vehicle form 2,400 px wide."""

    model = Powertrain
    form = PowertrainForm
    extra = 0
    fields = [
        ("name", "engine_type", "fuel_type"),
        ("power_kw", "power_hp", "torque_nm", "torque_lbft"),
        ("displacement_cc", "cylinders", "aspiration"),
        ("transmission", "figures_unconfirmed"),
    ]


class ModelYearInline(LabelledCells, KnownKeysAdmin, admin.TabularInline):
    model = ModelYear
    extra = 0
    fields = ["year", "trim", "body_class", "doors", "seats", "drive_type", "powertrain", "plants"]
    autocomplete_fields = ["plants"]
    # Says, on a model not saved yet, why no powertrain can be chosen.
    template = "vehicles/admin/model_year_inline.html"

    def get_fields(self, request, obj=None):
        """A new model's years get no powertrain column: there is no saved powertrain to offer yet
        (the powertrains typed into the same form are saved with it, after the form is drawn)."""
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [name for name in fields if name != "powertrain"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "powertrain":
            # Only this model's saved powertrains are offered, by their own names.
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Powertrain.objects.filter(vehicle_model_id=object_id)
            kwargs["help_text"] = "One of this model's saved powertrains; a new one can be chosen once it is saved."
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda powertrain: powertrain.name
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "powertrain" and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # A plain select: powertrains are added and edited above, in this same form, and four
            # icons per row made the table wider than the page.
            field.widget = field.widget.widget
        return field


class MarketAvailabilityInline(KnownKeysAdmin, admin.StackedInline):
    model = MarketAvailability
    form = MarketAvailabilityForm
    extra = 0
    autocomplete_fields = ["source_plant"]


@admin.register(VehicleModel)
class VehicleModelAdmin(CsvAdmin):
    resource_classes = [VehicleModelResource]
    list_display = ["name", "make", "vehicle_type", "body_class", "segment", "updated_at"]
    list_filter = ["make", "vehicle_type", "body_class"]
    list_select_related = ["make"]
    search_fields = ["name", "slug", "make__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PowertrainInline, ModelYearInline, MarketAvailabilityInline]
    change_list_template = "vehicles/admin/vehiclemodel_change_list.html"

    class Media:
        # Names for the autocomplete boxes in the inline rows (a model year's plants, a launch's
        # plant), which carry no label of their own: the desk's script for its forms.
        js = ("desk/field-names.js",)


@admin.register(Powertrain)
class PowertrainAdmin(KnownKeysAdmin, CsvAdmin):
    resource_classes = [PowertrainResource]
    form = PowertrainForm
    list_display = ["name", "vehicle_model", "engine_type", "fuel_type", "power_kw", "power_hp", "torque_nm"]
    list_filter = ["engine_type", "fuel_type", "vehicle_model__make"]
    list_select_related = ["vehicle_model__make"]
    search_fields = ["name", "vehicle_model__name", "vehicle_model__make__name"]
    autocomplete_fields = ["vehicle_model"]

    def get_fields(self, request, obj=None):
        return ["vehicle_model", *super().get_fields(request, obj)]

    @admin.display(description="Power (hp)")
    def power_hp(self, obj):
        return obj.power_hp


@admin.register(ModelYear)
class ModelYearAdmin(KnownKeysAdmin, admin.ModelAdmin):
    """Mostly edited inline on the model; registered so articles can search model years."""

    list_display = ["__str__", "year", "trim", "drive_type", "powertrain"]
    list_filter = ["year", "vehicle_model__make"]
    list_select_related = ["vehicle_model__make", "powertrain__vehicle_model__make"]
    search_fields = ["vehicle_model__name", "vehicle_model__make__name", "trim", "year"]
    autocomplete_fields = ["vehicle_model", "plants"]


@admin.register(Plant)
class PlantAdmin(KnownKeysAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "city", "region", "country", "vin_plant_codes"]
    list_filter = ["country"]
    search_fields = ["name", "code", "city", "region"]
    filter_horizontal = ["wmis"]


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "steering_side"]
    search_fields = ["name", "country"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(MarketAvailability)
class MarketAvailabilityAdmin(KnownKeysAdmin, CsvAdmin):
    resource_classes = [MarketAvailabilityResource]
    form = MarketAvailabilityForm
    list_display = ["vehicle_model", "market", "status", "announced_on", "on_sale_from", "until", "source_plant"]
    list_display_links = ["vehicle_model", "market"]
    list_filter = [
        ("vehicle_model__make", admin.RelatedOnlyFieldListFilter),
        "vehicle_model__body_class",
        "market",
        "status",
    ]
    list_select_related = ["vehicle_model__make", "market", "source_plant"]
    search_fields = ["vehicle_model__name", "vehicle_model__make__name", "market__name", "note"]
    autocomplete_fields = ["vehicle_model", "source_plant"]

    @admin.display(description="On sale from", ordering="start")
    def on_sale_from(self, obj):
        return obj.start_display or "—"

    @admin.display(description="Until", ordering="end")
    def until(self, obj):
        return obj.end_display or "—"
