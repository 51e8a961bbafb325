"""Admin for vehicle records: editors keep makes, models (with their model years, powertrains
and market launches inline), plants, markets and WMIs; import and export CSV; decode a VIN."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from import_export.admin import ImportExportModelAdmin
from import_export.tmp_storages import TempFolderStorage

from vehicles import vin as vin_module
from vehicles.forms import MarketAvailabilityForm, PowertrainForm, VinForm
from vehicles.models import (
    WMI,
    Make,
    Manufacturer,
    Market,
    MarketAvailability,
    ModelYear,
    Plant,
    Powertrain,
    VehicleModel,
)
from vehicles.resources import MarketAvailabilityResource, PowertrainResource, VehicleModelResource
from vehicles.spreadsheet_csv import ExactTempFolderStorage, SpreadsheetSafeCSV


class CsvAdmin(ImportExportModelAdmin):
    """CSV only, safe to open in a spreadsheet. Import needs add and change permission; export needs
    view permission."""

    formats = [SpreadsheetSafeCSV]

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_tmp_storage_class(self):
        storage = super().get_tmp_storage_class()
        return ExactTempFolderStorage if storage is TempFolderStorage else storage


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    list_display = ["name", "country"]
    list_filter = ["country"]
    search_fields = ["name"]


@admin.register(Make)
class MakeAdmin(admin.ModelAdmin):
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


class PowertrainInline(admin.TabularInline):
    model = Powertrain
    form = PowertrainForm
    extra = 0


class ModelYearInline(admin.TabularInline):
    model = ModelYear
    extra = 0
    fields = ["year", "trim", "body_class", "doors", "seats", "drive_type", "powertrain", "plants"]
    autocomplete_fields = ["plants"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "powertrain":
            # Only this model's powertrains are offered.
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Powertrain.objects.filter(vehicle_model_id=object_id).select_related(
                "vehicle_model__make"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MarketAvailabilityInline(admin.StackedInline):
    model = MarketAvailability
    form = MarketAvailabilityForm
    extra = 0
    autocomplete_fields = ["source_plant", "reported_in"]


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


@admin.register(Powertrain)
class PowertrainAdmin(CsvAdmin):
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
class ModelYearAdmin(admin.ModelAdmin):
    """Mostly edited inline on the model; registered so articles can search model years."""

    list_display = ["__str__", "year", "trim", "drive_type", "powertrain"]
    list_filter = ["year", "vehicle_model__make"]
    list_select_related = ["vehicle_model__make", "powertrain__vehicle_model__make"]
    search_fields = ["vehicle_model__name", "vehicle_model__make__name", "trim", "year"]
    autocomplete_fields = ["vehicle_model", "plants"]


@admin.register(Plant)
class PlantAdmin(admin.ModelAdmin):
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
class MarketAvailabilityAdmin(CsvAdmin):
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
    autocomplete_fields = ["vehicle_model", "source_plant", "reported_in"]

    @admin.display(description="On sale from", ordering="start")
    def on_sale_from(self, obj):
        return obj.start_display or "—"

    @admin.display(description="Until", ordering="end")
    def until(self, obj):
        return obj.end_display or "—"
