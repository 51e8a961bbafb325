"""The roles (Writer, Editor, Site admin) are made and kept in step with their permissions after
every ``migrate`` by ``roles.sync_roles_after_migrate``, the one owner of that rule. This
migration used to make them too, which tied core's history to the apps above it; it does nothing
now and stays so that databases which ran it keep a consistent history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = []

    operations = []
