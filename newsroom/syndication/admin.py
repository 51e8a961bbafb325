"""Admin for partners, keys, webhook endpoints and the delivery log (site admins only, through
the syndication permissions the Site admin role holds)."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from newsroom.core.admin import KnownKeysAdmin, PolicyAdmin
from newsroom.syndication import tasks
from newsroom.syndication.models import ApiKey, Partner, WebhookDelivery, WebhookEndpoint, WebhookEvent
from newsroom.syndication.permissions import (
    api_key_policy,
    partner_policy,
    webhook_delivery_policy,
    webhook_endpoint_policy,
)

ROTATION_GRACE = timedelta(days=7)


def _show_key_once(request, partner, secret):
    messages.warning(
        request,
        format_html(
            "New API key for {}: <code>{}</code> — copy it now; it is stored only as a hash and will not "
            "be shown again.",
            partner,
            secret,
        ),
    )


class ApiKeyInline(PolicyAdmin, admin.TabularInline):
    model = ApiKey
    permission_policy = api_key_policy
    extra = 0
    fields = ("name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    can_delete = False
    show_change_link = True


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple, initial=WebhookEvent.values
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("partner", "url", "events", "active", "secret")


class WebhookEndpointInline(PolicyAdmin, admin.TabularInline):
    model = WebhookEndpoint
    permission_policy = webhook_endpoint_policy
    form = WebhookEndpointForm
    extra = 0
    fields = ("url", "events", "active", "disabled_reason")
    readonly_fields = ("disabled_reason",)
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(PolicyAdmin, KnownKeysAdmin, admin.ModelAdmin):
    permission_policy = partner_policy
    list_display = (
        "name",
        "contact_email",
        "active",
        "receives_articles",
        "receives_vehicles",
        "rate_limit_per_minute",
    )
    list_filter = ("active", "receives_articles", "receives_vehicles")
    search_fields = ("name", "contact_name", "contact_email")
    filter_horizontal = ("sections",)
    inlines = [ApiKeyInline, WebhookEndpointInline]
    actions = ["issue_key", "rotate_key"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _key, secret = obj.issue_key(name="first key")
            _show_key_once(request, obj, secret)

    @admin.action(description="Issue a new key (other keys stay valid)", permissions=["change"])
    def issue_key(self, request, queryset):
        for partner in queryset:
            _key, secret = partner.issue_key(name=f"issued {timezone.now():%Y-%m-%d}")
            _show_key_once(request, partner, secret)

    @admin.action(description="Rotate keys (old keys expire in 7 days)", permissions=["change"])
    def rotate_key(self, request, queryset):
        for partner in queryset:
            _key, secret = partner.issue_key(name=f"rotated {timezone.now():%Y-%m-%d}", rotation_grace=ROTATION_GRACE)
            _show_key_once(request, partner, secret)


@admin.register(ApiKey)
class ApiKeyAdmin(PolicyAdmin, admin.ModelAdmin):
    permission_policy = api_key_policy
    list_display = ("__str__", "name", "created_at", "expires_at", "revoked_at", "last_used_at", "is_valid")
    list_filter = ("partner",)
    fields = ("partner", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("partner", "prefix", "created_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected keys now", permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.revoke()
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


class DeliveryInline(PolicyAdmin, admin.TabularInline):
    model = WebhookDelivery
    permission_policy = webhook_delivery_policy
    extra = 0
    fields = ("created_at", "event", "status", "attempts", "last_status_code", "last_attempt_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(PolicyAdmin, admin.ModelAdmin):
    permission_policy = webhook_endpoint_policy
    form = WebhookEndpointForm
    list_display = ("url", "partner", "active", "disabled_at", "disabled_reason")
    list_filter = ("active", "partner")
    readonly_fields = ("disabled_at", "disabled_reason", "created_at")

    def save_model(self, request, obj, form, change):
        if obj.active:
            obj.disabled_at, obj.disabled_reason = None, ""
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(PolicyAdmin, admin.ModelAdmin):
    permission_policy = webhook_delivery_policy
    list_display = ("created_at", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status", "event", "endpoint__partner")
    search_fields = ("message_id", "endpoint__url")
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["resend"]
    list_select_related = ("endpoint",)

    @admin.action(description="Re-send the selected deliveries", permissions=["change"])
    def resend(self, request, queryset):
        count = 0
        for delivery in queryset.select_related("endpoint"):
            if not delivery.endpoint.active:
                self.message_user(request, f"{delivery.endpoint} is disabled; enable it first.", messages.ERROR)
                continue
            tasks.resend(delivery)
            count += 1
        self.message_user(request, f"Queued {count} deliveries again.", messages.SUCCESS)
