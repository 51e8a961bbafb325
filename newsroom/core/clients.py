"""Who is on the other end of a request: the client's address, behind our own proxies.

REMOTE_ADDR is the peer that connected to us. When that peer is one of our proxies
(FORWARDED_ALLOW_IPS, the same list gunicorn trusts for X-Forwarded-Proto), the client is the
nearest address in X-Forwarded-For that is not one of our proxies, read from the right: each
proxy appends the address it saw, and everything further left was written by the client and
proves nothing. A header from anyone else is ignored.
"""

import ipaddress

from django.conf import settings


def _trusted_proxies():
    networks = []
    for entry in settings.FORWARDED_ALLOW_IPS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue  # "*" and typos: handled by _is_trusted_proxy / ignored
    return networks


def _is_trusted_proxy(address):
    if "*" in settings.FORWARDED_ALLOW_IPS:
        return True
    return any(address in network for network in _trusted_proxies())


def _parse(value):
    try:
        return ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None


def client_address(request):
    """The client's IP address as a string ("" when the server gave none)."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    if not _is_trusted_proxy(peer):
        return str(peer)
    forwarded = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if "*" in settings.FORWARDED_ALLOW_IPS:
        # "Trust any peer" cannot tell proxies apart: take only what the nearest one appended.
        forwarded = forwarded[-1:]
    client = peer
    for hop in reversed(forwarded):
        address = _parse(hop)
        if address is None:
            break  # garbage: the last address we could trust is as far as we can see
        client = address
        if not _is_trusted_proxy(address):
            break
    return str(client)
