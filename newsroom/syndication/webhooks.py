"""Webhooks: which endpoints hear about a change, signing (Standard Webhooks), sending and
recording each attempt with its retry time, connecting only to the addresses ``targets`` checked
(so a host name that changes its answer cannot lead us inside). Queueing is ``tasks``' job.

A payload is a thin notification (what happened to which article, and where to read it), never
the article itself: a retry a day later must not carry a body that has since been withdrawn.
"""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import mail_admins, send_mail
from django.db import transaction
from django.utils import timezone

from newsroom.syndication import links
from newsroom.syndication.changes import sees_change
from newsroom.syndication.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from newsroom.syndication.targets import UnsafeTarget, check_target, port_of

logger = logging.getLogger(__name__)

# Seconds to wait before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (27.6 hours in all).
DEFAULT_RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
TIMEOUT_SECONDS = 10
RESPONSE_EXCERPT = 1000


def retry_delays():
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def signing_key(secret):
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret, message_id, timestamp, body):
    """The webhook-signature header value: "v1," + base64 HMAC-SHA256 of "id.timestamp.body"."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def payload_for(change, article):
    data = {
        "event": change.event,
        "sequence": change.pk,
        "article_id": article.pk,
        "uri": links.article_uri(article),
        "url": links.web_url(article),
        "version": change.article_version,
    }
    if change.event == "withdrawn":
        data["reason"] = article.withdrawal_reason  # the public reason; the internal note never leaves
    return {
        "type": f"article.{change.event}",
        "timestamp": change.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def endpoints_for(change):
    """Active endpoints whose partner receives this change and asked for its event."""
    endpoints = (
        WebhookEndpoint.objects.filter(active=True, partner__active=True, partner__receives_articles=True)
        .select_related("partner")
        .prefetch_related("partner__sections")
    )
    return [
        endpoint for endpoint in endpoints if change.event in endpoint.events and sees_change(endpoint.partner, change)
    ]


def create_deliveries(change, article):
    """One delivery per interested endpoint; ``tasks.send_webhooks`` queues them for the worker."""
    return [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            message_id=f"msg_{uuid.uuid4().hex}",
            event=change.event,
            change=change,
            payload=payload_for(change, article),
            next_attempt_at=timezone.now(),
        )
        for endpoint in endpoints_for(change)
    ]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the addresses checked beforehand, not to whatever the host name resolves to by
    the time we connect. The Host header still names the host. Redirects are never followed
    (a redirect could point anywhere): a 3xx is a failed delivery like any other non-2xx."""

    def __init__(self, host, port, addresses):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.addresses = addresses

    def connect(self):
        self.sock = _open_socket(self.host, self.port, self.addresses)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to the checked addresses; the certificate is verified against the host name (SNI
    too), as if we had connected by name."""

    default_port = 443

    def connect(self):
        sock = _open_socket(self.host, self.port, self.addresses)
        # A context per connection: it reads the system's trusted CAs (and SSL_CERT_FILE) afresh.
        self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)


def _open_socket(host, port, addresses):
    if addresses is None:
        return socket.create_connection((host, port), TIMEOUT_SECONDS)
    error = None
    for family, address in addresses:  # the first that answers, as create_connection would
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_SECONDS)
        try:
            sock.connect(address)
        except OSError as failed:
            sock.close()
            error = failed
        else:
            return sock
    raise error


def failure_text(error):
    """What went wrong, by kind, for the delivery record and the partner's notice. Never the
    error's own text: that can name internal hosts, addresses and ports."""
    if isinstance(error, TimeoutError):
        return f"Timed out: no answer within {TIMEOUT_SECONDS} seconds."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(error, ssl.SSLCertVerificationError):
        return "TLS failed: the certificate is not trusted or not valid for the host name."
    if isinstance(error, ssl.SSLError):
        return "TLS failed: no secure connection could be set up."
    if isinstance(error, http.client.RemoteDisconnected):
        return "The connection was closed without an answer."
    if isinstance(error, http.client.HTTPException):
        return "The answer was not valid HTTP."
    if isinstance(error, socket.gaierror):
        return "The host name could not be resolved."
    if isinstance(error, ConnectionError):
        return "The connection was lost."
    if isinstance(error, ValueError):
        return "The URL cannot be requested."
    return "Could not connect (network unreachable)."


def _post(url, body, headers, addresses):
    """POST and return (status code or None, the start of the answer, or what went wrong)."""
    parts = urlsplit(url)
    pinned = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = pinned(parts.hostname, port_of(parts), addresses)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
    except (OSError, ValueError, http.client.HTTPException) as error:
        return None, failure_text(error)
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        answer = f"HTTP {response.status}: {answer}"
    return response.status, answer


def attempt(delivery_id):
    """Send one delivery now. Returns the delivery, updated; on a failure that will be retried it is
    RETRYING with ``next_attempt_at`` set, and the task that called this queues the retry."""
    delivery = WebhookDelivery.objects.select_related("endpoint__partner").get(pk=delivery_id)
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return delivery
    endpoint = delivery.endpoint
    now = timezone.now()
    if not (endpoint.active and endpoint.partner.active):
        return _finish(delivery, DeliveryStatus.FAILED, None, "Not sent: the endpoint or partner is disabled.", now)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    try:
        addresses = check_target(endpoint.url)
    except UnsafeTarget as error:
        code, answer = None, f"Refused: {error}"
    else:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"{settings.SITE_NAME}-webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": sign(endpoint.secret, delivery.message_id, timestamp, body),
        }
        code, answer = _post(endpoint.url, body, headers, addresses)
    delivery.attempts += 1
    if code is not None and 200 <= code < 300:
        delivery.delivered_at = now
        return _finish(delivery, DeliveryStatus.DELIVERED, code, answer, now)
    delays = retry_delays()
    if delivery.attempts > len(delays):
        _finish(delivery, DeliveryStatus.FAILED, code, answer, now)
        disable_endpoint(endpoint, f"Deliveries kept failing for {_span(delays)}; last answer: {answer[:200]}")
        return delivery
    delivery.next_attempt_at = now + timedelta(seconds=delays[delivery.attempts - 1])
    return _finish(delivery, DeliveryStatus.RETRYING, code, answer, now)


def _span(delays):
    hours = sum(delays) / 3600
    return f"{hours:.1f} hours" if hours >= 1 else f"{sum(delays)} seconds"


def _finish(delivery, status, code, answer, now):
    delivery.status = status
    delivery.last_status_code = code
    delivery.last_response = answer or ""
    delivery.last_attempt_at = now
    delivery.save()
    return delivery


def disable_endpoint(endpoint, reason):
    """Stop sending to an endpoint that keeps failing, and tell the partner and the site admins."""
    with transaction.atomic():
        updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
            active=False, disabled_at=timezone.now(), disabled_reason=reason[:300]
        )
    if not updated:
        return
    endpoint.active = False
    subject = f"Webhook endpoint disabled: {endpoint.url}"
    message = (
        f"{settings.SITE_NAME} stopped sending webhooks to {endpoint.url} for {endpoint.partner}.\n\n"
        f"{reason}\n\nFix the endpoint, then ask us to re-enable it (deliveries can be re-sent), "
        "or catch up from the change feed at /api/v1/changes/."
    )
    logger.warning("webhook endpoint disabled", extra={"endpoint": endpoint.pk, "reason": reason})
    try:
        send_mail(subject, message, None, [endpoint.partner.contact_email])
        mail_admins(subject, message)
    except Exception:  # the endpoint is disabled either way; a mail outage must not undo that
        logger.exception("could not send the webhook-disabled notice", extra={"endpoint": endpoint.pk})
