"""Permission policies: one object per model answering every "may this user …" question.

Shaped like Wagtail's permission policies (``wagtail.permission_policies``)::

    policy.user_has_permission(user, "change")                        # for the model as a whole
    policy.user_has_permission_for_instance(user, "change", record)   # for this record, now

An action is a Django permission's verb: ``"change"`` asks ``app_label.change_<model>``,
``"publish"`` asks ``articles.publish_article``. ``roles.py`` says which role holds which Django
permission; a policy adds what a permission alone cannot say (whose record it is, what state it
is in). The admin (``PolicyAdmin``), forms, services and the workflow ask the policy and nothing
else, so each question has one answer everywhere.

Policies for models whose rules live in a higher layer are built there (``articles.permissions``);
the policies here are for the site-wide ones: records an article shows (``ShownRecordPolicy``)
and user accounts (``AccountPolicy``).
"""

from django.apps import apps
from django.conf import settings

from newsroom.core.hooks import Hook

# The permission that lets a role put a change in front of readers without anyone reviewing it.
PUBLISHES = "articles.publish_article"


class ModelPermissionPolicy:
    """Django's model permissions, as the roles grant them; ``nobody_may`` names actions no user
    takes by hand whatever their role, because the code does them (the workflow writes its audit
    log, a partner's key is issued where its secret can be shown once)."""

    def __init__(self, model, *, nobody_may=()):
        self._model = model  # a model, or "app_label.Model" for one this layer may not import
        self.nobody_may = frozenset(nobody_may)

    @property
    def model(self):
        if isinstance(self._model, str):
            self._model = apps.get_model(self._model)
        return self._model

    def permission_name(self, action):
        opts = self.model._meta
        return f"{opts.app_label}.{action}_{opts.model_name}"

    def user_has_permission(self, user, action):
        return action not in self.nobody_may and user.has_perm(self.permission_name(action))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


# Answered by the articles app, which sits above this layer: record -> the articles in review,
# approved, scheduled or live that show it (an image, tag, author or section).
submitted_or_public_articles_showing = Hook("submitted or public articles showing a record")


def articles_showing(record):
    """The submitted or public articles that show ``record``, or None when nothing shows such records."""
    return submitted_or_public_articles_showing(record) if record.pk is not None else None


class ShownRecordPolicy(ModelPermissionPolicy):
    """An image, tag, author or section: changing or deleting one that an article in review,
    approved, scheduled or live shows takes a role that may publish.

    Such a change reaches readers and partners with no review (at once, at the go-live minute,
    or when the approved article is published as it was reviewed). Anyone with the model's
    permissions may still edit a record that only drafts (or nothing) show."""

    GUARDED = frozenset({"change", "delete"})

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if action not in self.GUARDED or user.has_perm(PUBLISHES):
            return True
        shown_by = articles_showing(instance)
        return shown_by is None or not shown_by.exists()


class AccountPolicy(ModelPermissionPolicy):
    """User accounts, managed within the actor's own rights."""

    # Account fields only a superuser may set: superuser and staff status, and permissions given to
    # one account directly, all reach past the roles. Admin access comes with a role instead
    # (``roles.staff_status_for``): a site admin lets a new writer in by giving the Writer role.
    SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "user_permissions")

    MANAGING = frozenset({"change", "delete"})

    def user_has_permission_for_instance(self, user, action, instance):
        """Changing or deleting an account (its details, password, groups, active flag) takes the
        right to change accounts; a superuser's account is a superuser's business alone: anyone
        else could otherwise reset its password and log in as it."""
        if not self.user_has_permission(user, action):
            return False
        if action not in self.MANAGING or user.is_superuser:
            return True
        return self.user_has_permission(user, "change") and not instance.is_superuser

    def fields_user_may_not_set(self, user):
        return () if user.is_superuser else self.SUPERUSER_ONLY_FIELDS

    def groups_user_may_not_grant(self, user, groups):
        """The groups among ``groups`` holding a permission ``user`` does not hold itself: nobody
        may grant (or take away) more than they have. Empty for a superuser."""
        groups = list(groups)
        if user.is_superuser or not groups:
            return []
        held = user.get_all_permissions()
        rows = type(groups[0]).permissions.through.objects.filter(group__in=groups)
        beyond = {
            group_id
            for group_id, app_label, codename in rows.values_list(
                "group_id", "permission__content_type__app_label", "permission__codename"
            )
            if f"{app_label}.{codename}" not in held
        }
        return [group for group in groups if group.pk in beyond]


account_policy = AccountPolicy(settings.AUTH_USER_MODEL)
