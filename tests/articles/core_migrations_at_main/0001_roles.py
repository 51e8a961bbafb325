"""Create the Writer, Editor and Site admin groups (see newsroom.core.roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from newsroom.core.roles import ROLES, sync_roles


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the groups get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("articles", "0002_initial"),
        ("vehicles", "0001_initial"),
        ("media", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
