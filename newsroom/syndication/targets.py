"""Which webhook URLs we send to: none that would make us call into our own network
(server-side request forgery). Checked when an endpoint is saved and again before each delivery,
which then connects only to the addresses checked here.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def webhooks_allow_private_targets():
    return settings.DEBUG or getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False)


class UnsafeTarget(ValueError):
    """A webhook URL we will not send to."""


def check_target(url):
    """Refuse URLs that would make us call into our own network (server-side request forgery),
    and return the addresses a delivery may connect to.

    Every address the host resolves to must be public; private, loopback, link-local and
    reserved ones are allowed only in development or when WEBHOOK_ALLOW_PRIVATE_TARGETS is on.
    The delivery connects to exactly the addresses checked here, as (family, socket address)
    pairs: resolving the name again could give another answer (DNS rebinding) and lead inside.
    With private targets allowed there is nothing to pin, and None means "connect by name"."""
    parts = urlsplit(url)
    allow_private = webhooks_allow_private_targets()
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_private):
        raise UnsafeTarget("Webhook URLs must use https.")
    if not parts.hostname:
        raise UnsafeTarget("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeTarget("Put no user name or password in the URL; deliveries are signed instead.")
    port = port_of(parts)
    if allow_private:
        return None
    try:
        resolved = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise UnsafeTarget(f"The host {parts.hostname} cannot be resolved.")
    for *_, address in resolved:
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            # Not the address itself: this text reaches the partner, and could map our network.
            raise UnsafeTarget(f"{parts.hostname} resolves to an address inside a private network.")
    return [(family, address) for family, _, _, _, address in resolved]


def port_of(parts):
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise UnsafeTarget("The port must be a number from 1 to 65535.")
    return port or (443 if parts.scheme == "https" else 80)
