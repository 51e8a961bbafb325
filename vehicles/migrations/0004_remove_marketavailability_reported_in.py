"""The article reporting a launch is the articles app's to keep now (``articles.MarketReport``):
the column goes. Where the articles app is installed, its 0007 copies every link first
(``run_before`` there): this app's history names no higher layer."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("vehicles", "0003_csv_import")]

    operations = [migrations.RemoveField(model_name="marketavailability", name="reported_in_id")]
