"""Stored vehicle pages (``vehicles.pages``), marked outdated by a change and built again by one
coalesced task. Named apart from the ``0005_vehicle_page`` of the reverted first version (ed454ab),
so that a database which ran that one stops at this migration instead of missing its columns."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vehicles", "0004_remove_marketavailability_reported_in"),
    ]

    operations = [
        migrations.CreateModel(
            name="VehiclePage",
            fields=[
                (
                    "vehicle_model",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="page",
                        serialize=False,
                        to="vehicles.vehiclemodel",
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("title", models.TextField()),
                ("head", models.TextField()),
                ("json_ld", models.TextField()),
                ("sheet", models.TextField()),
                ("reports", models.JSONField(default=list)),
                ("keys", models.TextField()),
                ("shape", models.PositiveSmallIntegerField()),
                ("outdated", models.BooleanField(default=False)),
                ("marks", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("outdated", True)), fields=["outdated"], name="vehicle_page_outdated"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="VehiclePageKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(db_index=True, max_length=100)),
                (
                    "page",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shown_keys",
                        to="vehicles.vehiclepage",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("page", "key"), name="unique_vehicle_page_key")],
            },
        ),
    ]
