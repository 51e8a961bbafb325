"""Who may call the API: a valid partner key, for the content types the partner receives."""

from django.http import Http404
from rest_framework import exceptions, permissions

from newsroom.syndication.models import ApiKey


class PartnerKeyRequired(permissions.BasePermission):
    """A partner key is required; content outside the partner's plan is answered 404, as if it
    did not exist (``content_type`` on the view names what it serves: "articles" or "vehicles")."""

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated("Send your API key as 'Authorization: Bearer <key>'.")
        partner = request.auth.partner
        content_type = getattr(view, "content_type", None)
        if content_type == "articles" and not partner.receives_articles:
            raise Http404
        if content_type == "vehicles" and not partner.receives_vehicles:
            raise Http404
        return True
