from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """Site-wide plumbing: roles, health checks, request ids, demo content."""

    name = "newsroom.core"
    label = "core"
    verbose_name = "Newsroom"

    def ready(self):
        from newsroom.core.roles import sync_roles_after_migrate

        # Apps may add permissions in later migrations; keep the roles complete after each migrate.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="newsroom.core.sync_roles")
