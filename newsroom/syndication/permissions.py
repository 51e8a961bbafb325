"""Who may call the API: a valid partner key, for the content types the partner receives; and
who may do what with partners, keys and deliveries in the admin (the Site admin role's
syndication permissions, less what only the code does)."""

from django.http import Http404
from rest_framework import exceptions, permissions

from newsroom.core.permissions import ModelPermissionPolicy
from newsroom.syndication.models import ApiKey, Partner, WebhookDelivery, WebhookEndpoint

# Issuing a key or rotating them is changing the partner (its admin actions), where the new
# secret is shown once.
partner_policy = ModelPermissionPolicy(Partner)
# Nobody adds a key by hand: it is issued from its partner, so its secret can be shown once.
api_key_policy = ModelPermissionPolicy(ApiKey, nobody_may={"add"})
webhook_endpoint_policy = ModelPermissionPolicy(WebhookEndpoint)
# Deliveries are made by the webhooks when something happens; staff only read and re-send them.
webhook_delivery_policy = ModelPermissionPolicy(WebhookDelivery, nobody_may={"add"})


def serves(partner, content_type):
    """Whether ``partner``'s plan includes what a view serves (its ``content_type``: "articles",
    "vehicles" or None for what every partner reads)."""
    if content_type == "articles":
        return partner.receives_articles
    if content_type == "vehicles":
        return partner.receives_vehicles
    return True


class PartnerKeyRequired(permissions.BasePermission):
    """A partner key is required; content outside the partner's plan is answered 404, as if it
    did not exist (``content_type`` on the view names what it serves: "articles" or "vehicles")."""

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated("Send your API key as 'Authorization: Bearer <key>'.")
        if not serves(request.auth.partner, getattr(view, "content_type", None)):
            raise Http404
        return True
