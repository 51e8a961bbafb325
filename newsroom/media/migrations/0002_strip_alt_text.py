"""Alt text is now stored stripped, so "no alt text" is exactly "" everywhere the rule is asked.
Rows saved before keep whitespace-only alt text; strip them once."""

from django.db import migrations


def strip_alt_text(apps, schema_editor):
    Image = apps.get_model("media", "Image")
    for image in Image.objects.filter(alt_text__regex=r"^\s|\s$").only("pk", "alt_text"):
        image.alt_text = image.alt_text.strip()
        image.save(update_fields=["alt_text"])


class Migration(migrations.Migration):
    dependencies = [("media", "0001_initial")]

    operations = [migrations.RunPython(strip_alt_text, migrations.RunPython.noop)]
