"""``PendingRun`` (``newsroom.core.tasks.enqueue_once``). Numbered 0004: databases built before the
search document moved to the articles app ran core migrations named 0002 and 0003."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingRun",
            fields=[
                ("task", models.CharField(max_length=200, primary_key=True, serialize=False)),
            ],
        ),
    ]
