"""Who has two-factor sign-in on, for site admins, who can remove a lost device: the admin's
delete records who removed it (LogEntry) and two_factor.remove_devices logs it.

Replaces django-otp's own TOTP device admin, which lets an admin add devices for other people
and show their secrets: here nobody sees or sets another user's secret."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.core import two_factor

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # each user sets up their own, from "Two-factor sign-in"

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        two_factor.remove_devices([obj], request.user, "Removed by a site admin.")

    def delete_queryset(self, request, queryset):
        two_factor.remove_devices(queryset.select_related("user"), request.user, "Removed by a site admin.")
