from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = "Vehicles"

    def ready(self):
        from newsroom.core import cache_keys, public_data
        from newsroom.core.signals import public_records_changing
        from vehicles import models, pages

        def its_vehicle_model(row):
            return [cache_keys.key(models.VehicleModel, row.vehicle_model_id)]

        for model, prefix, also, plural in (
            (models.Make, "make", None, None),
            (models.Manufacturer, "manufacturer", None, None),
            (models.VehicleModel, "vehicle", None, None),
            (models.Powertrain, "powertrain", its_vehicle_model, None),
            (models.ModelYear, "model-year", its_vehicle_model, None),
            (models.Plant, "plant", None, None),
            (models.Market, "market", None, None),
            (models.MarketAvailability, "availability", its_vehicle_model, "availabilities"),
        ):
            cache_keys.register(model, prefix, also, plural)

        # Everything a vehicle page or the API shows of a vehicle record.
        public_data.register(
            models.Make,
            models.Manufacturer,
            models.VehicleModel,
            models.Powertrain,
            models.ModelYear,
            models.Plant,
            models.Market,
            models.MarketAvailability,
        )
        # A change to a record a vehicle page shows marks the stored pages showing it outdated.
        public_records_changing.connect(pages.mark_outdated, dispatch_uid="vehicles.pages.records")
