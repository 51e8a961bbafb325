"""The article that reported a launch, kept by the articles app (``MarketReport``) instead of a
``reported_in`` column on the vehicles app's launches, a lower layer that must not point up.

Every link is copied here before the vehicles app's 0004 drops that column (``run_before``), so a
database that had them keeps them all; unapplying copies them back."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    MarketAvailability = apps.get_model("vehicles", "MarketAvailability")
    MarketReport = apps.get_model("articles", "MarketReport")
    links = MarketAvailability.objects.exclude(reported_in_id=None).values_list("pk", "reported_in_id")
    MarketReport.objects.bulk_create(
        [MarketReport(availability_id=launch, article_id=article) for launch, article in links.iterator()],
        batch_size=1000,
    )


def copy_links_back(apps, schema_editor):
    MarketAvailability = apps.get_model("vehicles", "MarketAvailability")
    MarketReport = apps.get_model("articles", "MarketReport")
    for launch, article in MarketReport.objects.values_list("availability_id", "article_id").iterator():
        MarketAvailability.objects.filter(pk=launch).update(reported_in_id=article)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_document"),
        ("vehicles", "0003_csv_import"),
    ]
    run_before = [("vehicles", "0004_remove_marketavailability_reported_in")]

    operations = [
        migrations.CreateModel(
            name="MarketReport",
            fields=[
                (
                    "availability",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="report",
                        serialize=False,
                        to="vehicles.marketavailability",
                    ),
                ),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="market_reports",
                        to="articles.article",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_links, copy_links_back),
    ]
