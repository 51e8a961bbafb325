from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """Site-wide plumbing: roles, signing in, health checks, request ids."""

    name = "newsroom.core"
    label = "core"
    verbose_name = "Newsroom"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from newsroom.core import edge, pagecache, signin
        from newsroom.core.roles import sync_roles_after_migrate

        # Apps may add permissions in later migrations; keep the roles complete after each migrate.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="newsroom.core.sync_roles")
        user_logged_in.connect(signin.log_sign_in, dispatch_uid="newsroom.core.log_sign_in")
        user_locked_out.connect(signin.log_lockout, dispatch_uid="newsroom.core.log_lockout")
        pagecache.connect_receivers()
        # After the page cache's: an edge that refetches at once must not get the page cache's old copy.
        edge.connect_receivers()
