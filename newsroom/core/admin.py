"""The admin's share of the permission policies and of sign-in.

Every admin's has_*_permission is its model's permission policy's answer (``PolicyAdmin``);
records that submitted or live articles show are changed only by those who may publish
(``ShownRecordGuard``, used by the image, tag, author and section admins), relation fields take any
value a crafted request sends (``KnownKeysAdmin``), and user accounts are managed within the
actor's own rights, every change of an account's rights landing in the admin's audit log
(``LogEntry``: who, whose account, each right before → after), shown on the account's History page.

Who has two-factor sign-in on is listed for site admins, who can remove a lost device: the
admin's delete records who removed it (LogEntry) and two_factor.remove_devices logs it. This
replaces django-otp's own TOTP device admin, which lets an admin add devices for other people and
show their secrets: here nobody sees or sets another user's secret."""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.core import roles, two_factor
from newsroom.core.permissions import ModelPermissionPolicy, account_policy, articles_showing

User = get_user_model()


class PolicyAdmin:
    """ModelAdmin or inline mixin: every has_*_permission is the answer of the model's permission
    policy (``newsroom.core.permissions``), ``permission_policy``; without one, Django's model
    permissions as the roles grant them."""

    permission_policy = None
    permission_policy_class = ModelPermissionPolicy  # for self.model, when permission_policy is None

    def user_may(self, request, action, obj=None):
        """``action`` on the model, or on ``obj`` when given, by ``permission_policy``'s answer."""
        policy = self.permission_policy or self.permission_policy_class(self.model)
        if obj is None:
            return policy.user_has_permission(request.user, action)
        # Django asks several times per page (and some answers take a query): once per record,
        # action and request is enough.
        answers = request.__dict__.setdefault("_permission_policy_answers", {})
        key = (obj._meta.label, obj.pk, action)
        if key not in answers:
            answers[key] = policy.user_has_permission_for_instance(request.user, action, obj)
        return answers[key]

    def _record(self, obj):
        # An inline is asked with its parent record, which its own model's policy does not judge
        # (as Django's inlines, which answer for the model).
        return None if isinstance(self, InlineModelAdmin) else obj

    def has_add_permission(self, request, obj=None):
        return self.user_may(request, "add")

    def has_change_permission(self, request, obj=None):
        return self.user_may(request, "change", self._record(obj))

    def has_delete_permission(self, request, obj=None):
        return self.user_may(request, "delete", self._record(obj))

    def has_view_permission(self, request, obj=None):
        return self.user_may(request, "view", self._record(obj)) or self.has_change_permission(request, obj)


class ShownRecordGuard(PolicyAdmin):
    """Admin mixin for an image, tag, author or section, whose ``permission_policy`` is a
    ``ShownRecordPolicy``: one that articles in review, approved, scheduled or live show is
    changed only by a role that may publish. Django asks these per-object permissions on every
    path: the change form (read-only here, saying why), a crafted POST to it (403), the list's
    editable columns (such rows are skipped) and bulk delete (403)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.user_may(request, "change") and not self.user_may(request, "change", obj):
            shown_by = articles_showing(obj).order_by("-publish_at").first()
            self.message_user(
                request,
                f"“{shown_by}” shows this {obj._meta.verbose_name}, and readers would see a change to it "
                "without review: only an editor may change it now.",
                messages.WARNING,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


def could_be_key(field, value):
    """Whether ``value`` could be stored in ``field`` (a key column): a lookup by anything else
    fails in the database (ValueError; OverflowError on SQLite) instead of finding nothing."""
    try:
        value = field.to_python(value)
    except ValidationError:
        return False
    if isinstance(value, int):
        lowest, highest = connection.ops.integer_field_range(field.get_internal_type())
        return (lowest is None or value >= lowest) and (highest is None or value <= highest)
    return True


class KnownKeysOnly:
    """Widget mixin for Django's autocomplete, which looks up the records its value names to show
    them: a value no record could have (a crafted "x", an id beyond the column) names nothing."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        return super().optgroups(name, [item for item in value if could_be_key(key, item)], attr)


class KnownKeysAutocompleteSelect(KnownKeysOnly, AutocompleteSelect):
    pass


class KnownKeysAutocompleteSelectMultiple(KnownKeysOnly, AutocompleteSelectMultiple):
    pass


class KnownKeysMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses a key no record could have before asking the database, which on SQLite answers an id
    beyond its integer range with OverflowError instead of finding nothing."""

    def _check_values(self, value):
        model = self.queryset.model
        key = model._meta.get_field(self.to_field_name or model._meta.pk.name)
        for item in value:
            if not could_be_key(key, item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)


class KnownKeysAdmin:
    """ModelAdmin or inline mixin: its autocomplete and many-to-many fields answer a crafted key in a
    form (or in the add form's URL) with the field's own "not a valid choice" error, not a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownKeysAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownKeysAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", KnownKeysMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AccountChangeForm(UserAdmin.form):
    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor  # whose change this is: AccountAdmin.get_form binds it

    def clean_groups(self):
        groups = self.cleaned_data["groups"]
        changed = set(groups) ^ set(self.instance.groups.all())
        refused = account_policy.groups_user_may_not_grant(self.actor, changed)
        if refused:
            names = ", ".join(sorted(f"“{group.name}”" for group in refused))
            raise forms.ValidationError(
                f"You may not give or take away {names}: it holds permissions your own role does not."
            )
        return groups


# The account fields ``_rights`` describes; the audit log names any other changed field as well.
RIGHTS_FIELDS = {"groups", "user_permissions", "is_superuser", "is_staff", "is_active"}


def _rights(account):
    """What an account may do, as the audit log names it."""
    permissions = account.user_permissions.select_related("content_type")
    return {
        "Groups": ", ".join(sorted(group.name for group in account.groups.all())) or "none",
        "Permissions": ", ".join(sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)) or "none",
        "Superuser status": "yes" if account.is_superuser else "no",
        "Staff status": "yes" if account.is_staff else "no",
        "Active": "yes" if account.is_active else "no",
    }


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(PolicyAdmin, KnownKeysAdmin, UserAdmin):
    permission_policy = account_policy
    form = AccountChangeForm

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, *account_policy.fields_user_may_not_set(request.user))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not account_policy.fields_user_may_not_set(request.user):
            return fieldsets
        # Say why those fields are read-only here, and how to let someone in instead.
        why = (
            "Admin access comes with a role: give the account a group and it may sign in to the admin. "
            "Superuser status, staff status and single permissions are a superuser’s to change."
        )
        return [
            (name, {**options, "description": why}) if "is_superuser" in options["fields"] else (name, options)
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form  # the add form: a name and a password, no rights
        return functools.partial(form, actor=request.user)

    def save_model(self, request, obj, form, change):
        if change:
            request.account_rights_before = _rights(User.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        account = form.instance
        # Whoever may not set staff status by hand changes it through the account's groups.
        if "is_staff" in account_policy.fields_user_may_not_set(request.user) and "groups" in form.changed_data:
            staff = roles.staff_status_for(account.groups.all())
            if account.is_staff != staff:
                account.is_staff = staff
                account.save(update_fields=["is_staff"])

    def construct_change_message(self, request, form, formsets, add=False):
        """Rights as "Groups: Writer → Editor, Writer", other changed fields by name."""
        before = getattr(request, "account_rights_before", None)
        if add or before is None:
            return super().construct_change_message(request, form, formsets, add)
        after = _rights(User.objects.get(pk=form.instance.pk))
        changes = [f"{name}: {before[name]} → {after[name]}" for name in before if before[name] != after[name]]
        if not changes:
            return super().construct_change_message(request, form, formsets, add)
        others = [str(form.fields[name].label) for name in form.changed_data if name not in RIGHTS_FIELDS]
        if others:
            changes.append("also changed " + ", ".join(others))
        return "; ".join(changes) + "."


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(PolicyAdmin, admin.ModelAdmin):
    # Each user sets up their own device, from "Two-factor sign-in"; here one is only removed.
    permission_policy = ModelPermissionPolicy(TOTPDevice, nobody_may={"add", "change"})

    list_display = ("account", "device", "turned_on", "since", "last_used")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    @admin.display(description="account", ordering="user__username")
    def account(self, device):
        return device.user

    @admin.display(description="device", ordering="name")
    def device(self, device):
        return device.name

    @admin.display(description="turned on", boolean=True, ordering="confirmed")
    def turned_on(self, device):
        return device.confirmed  # not yet: set up but never confirmed with a code

    @admin.display(description="since", ordering="created_at")
    def since(self, device):
        return device.created_at

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, device):
        return device.last_used_at

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Who has two-factor sign-in", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def delete_model(self, request, obj):
        two_factor.remove_devices([obj], request.user, "Removed by a site admin.")

    def delete_queryset(self, request, queryset):
        two_factor.remove_devices(queryset.select_related("user"), request.user, "Removed by a site admin.")


class LabelledCells:
    """Mixin for a tabular inline: each cell's input named after its column. The admin writes each
    label once, in the column's header, which screen readers do not tie to the inputs below it."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                for field in form.fields.values():
                    widget = field.widget
                    while hasattr(widget, "widget"):  # the admin's "+"/pencil links around a related field
                        widget = widget.widget
                    if field.label:
                        widget.attrs.setdefault("aria-label", str(field.label))

        LabelledFormSet.__name__ = formset.__name__
        return LabelledFormSet
