"""The three editorial roles and the permissions each one holds.

This mapping is the single definition of which role holds which Django permission; the
permission policies (``newsroom.core.permissions``, ``articles.permissions``) answer what a
user may do with them, record by record. After every `migrate` (and `flush`) the groups are made
and brought back in line with it (``sync_roles_after_migrate``), so permissions added by later
migrations reach the roles without a data migration.
"""

WRITER = "Writer"
EDITOR = "Editor"
SITE_ADMIN = "Site admin"

_WRITER_PERMISSIONS = {
    "articles": ["add_article", "change_article", "view_article", "submit_article"],
    "articles.section": ["view_section"],
    "articles.tag": ["view_tag", "add_tag"],
    "articles.author": ["view_author"],
    "articles.revision": ["view_revision"],
    "media": ["add_image", "change_image", "view_image"],
    "vehicles": ["view_vehiclemodel", "view_make", "view_modelyear"],
}

_EDITOR_EXTRA = {
    "articles": [
        "approve_article",
        "publish_article",
        "correct_article",
        "withdraw_article",
        "edit_any_article",
        "add_section",
        "change_section",
        "change_tag",
        "delete_tag",
        "add_author",
        "change_author",
        "view_correction",
        "add_correction",
        "view_transition",
    ],
    "media": ["delete_image"],
    # Editors keep the vehicle records: every model of the vehicles app.
    "vehicles": ["*"],
}

_SITE_ADMIN_EXTRA = {
    "syndication": ["*"],
    # Groups are defined here, not in the admin: a site admin who could edit a group's permissions
    # could hand itself any of them through its own group.
    "auth": ["add_user", "change_user", "view_user", "view_group"],
    "articles": ["delete_article", "delete_section"],
    "django_tasks_database": ["view_dbtaskresult"],
    # Who has two-factor sign-in on, removing a lost device; sign-in lockouts, lifting one.
    "otp_totp": ["view_totpdevice", "delete_totpdevice"],
    "axes": ["view_accessattempt", "delete_accessattempt", "view_accesslog"],
}


def _merge(*parts):
    merged = {}
    for part in parts:
        for key, codenames in part.items():
            merged.setdefault(key.split(".")[0], set()).update(codenames)
    return merged


ROLES = {
    WRITER: _merge(_WRITER_PERMISSIONS),
    EDITOR: _merge(_WRITER_PERMISSIONS, _EDITOR_EXTRA),
    SITE_ADMIN: _merge(_WRITER_PERMISSIONS, _EDITOR_EXTRA, _SITE_ADMIN_EXTRA),
}


def staff_status_for(groups):
    """Admin access comes with a role: an account in any group may log in to the admin."""
    return bool(groups)


def sync_roles(group_model, permission_model):
    """Create the role groups and give each exactly the permissions that exist for it now."""
    for role, apps in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for app_label, codenames in apps.items():
            in_app = permission_model.objects.filter(content_type__app_label=app_label)
            wanted.extend(in_app if "*" in codenames else in_app.filter(codename__in=codenames))
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, apps=None, **kwargs):
    """Re-sync the roles after `migrate` and after a `flush` (which sends post_migrate without
    `apps` and would otherwise leave the database with no roles at all)."""
    # post_migrate fires once per app; the last app in INSTALLED_APPS is enough.
    if sender.name != "newsroom.syndication":
        return
    if apps is None:
        from django.apps import apps
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    sync_roles(group_model, permission_model)
