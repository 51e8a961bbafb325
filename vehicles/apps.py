from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "vehicles"
    verbose_name = "Vehicles"

    def ready(self):
        from newsroom.core import public_data
        from vehicles import models

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
