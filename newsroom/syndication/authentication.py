"""API key authentication: ``Authorization: Bearer <key>`` and nothing else.

A key in the query string would end up in proxy and server logs, so one is refused outright
(400) instead of being ignored: the partner learns at once to move it into the header.
"""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from articles.models import Section
from newsroom.core import cache_keys, pagecache
from newsroom.syndication.models import ApiKey, key_for_request, rights_key
from newsroom.syndication.problems import InvalidParameter

# Keys each process keeps (``_key_for``): every partner's, several times over.
KNOWN_KEYS = 1000
# How long a key is kept at most, besides its expiry and any change said: a change made where no
# signal is sent (SQL typed into the database) reaches every process within this time.
KEPT_KEY_SECONDS = 60
known_keys = pagecache.KeptReads(size=KNOWN_KEYS, seconds=KEPT_KEY_SECONDS)

QUERY_KEY_NAMES = ("key", "api_key", "apikey", "api-key", "token", "access_token", "auth", "authorization")
MAX_AUTHORIZATION_LENGTH = 512


class PartnerPrincipal:
    """What ``request.user`` is for a partner request: the partner, never a Django user."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, partner):
        self.partner = partner

    def __str__(self):
        return f"partner:{self.partner.pk}"


def presented_key(request):
    """The valid key of an active partner that Django's ``request`` presents as ``Authorization:
    Bearer <key>``, or None without the header; a key in the query string or a malformed header is
    a 400, a wrong, revoked or expired key (or an inactive partner's) a 401. The one decision for
    REST framework's authentication and the views' GETs answered before REST framework
    (``views.EarlyGet``): it is read, and the key's use recorded, once per request."""
    try:
        outcome = request.presented_key
    except AttributeError:
        try:
            outcome = _read_key(request)
        except exceptions.APIException as error:
            outcome = error
        request.presented_key = outcome
    if isinstance(outcome, exceptions.APIException):
        raise outcome
    return outcome


def _read_key(request):
    for name in request.GET:
        if name.lower() in QUERY_KEY_NAMES:
            raise InvalidParameter(name, "API keys are not accepted in the URL; send 'Authorization: Bearer <key>'.")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if len(header) > MAX_AUTHORIZATION_LENGTH:
        raise InvalidParameter("Authorization", "The header is too long.")
    scheme, _, secret = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not secret.strip():
        raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <key>'.")
    api_key = _key_for(request, secret.strip())
    if api_key is None:
        raise exceptions.AuthenticationFailed("The API key is wrong, revoked or expired.")
    api_key.touch()
    return api_key


def _key_for(request, secret):
    """The valid key ``secret`` is, or None. A valid key read is kept in the process
    (``known_keys``) until it expires or a change of what its partner may do is said
    (``models.rights_changed``): a partner's requests then read no key. The secret is checked
    against the key's hash on every request, kept or not."""
    prefix = ApiKey.prefix_of(secret)
    if prefix is None:
        return None
    now = timezone.now()
    stamp = pagecache.journal_stamp(request)  # before the key is read: a change meanwhile is after it
    known = known_keys.current(prefix, now, stamp)
    if known is not None:
        api_key = known[0]
    else:
        api_key = key_for_request(prefix, now)
        if api_key is not None:
            # A section deleted leaves its partners with no signal of their own; any change of a
            # section names the list of sections.
            keys = (rights_key(api_key.partner_id), cache_keys.list_key(Section))
            known_keys.keep(prefix, api_key, keys, stamp, until=api_key.expires_at)
    if api_key is None or not api_key.matches(secret):
        return None
    return api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        api_key = presented_key(request._request)
        return None if api_key is None else (PartnerPrincipal(api_key.partner), api_key)

    def authenticate_header(self, request):
        return 'Bearer realm="newsroom-api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "partnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Your partner API key, e.g. `Authorization: Bearer nrk_1a2b3c4d_…`.",
        }
