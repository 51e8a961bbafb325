"""Webhooks: which endpoints hear about a change, signing (Standard Webhooks), sending with
retries, and refusing targets inside our own network.

A payload is a thin notification (what happened to which article, and where to read it), never
the article itself: a retry a day later must not carry a body that has since been withdrawn.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import mail_admins, send_mail
from django.db import transaction
from django.utils import timezone

from newsroom.syndication import links
from newsroom.syndication.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    webhooks_allow_private_targets,
)

logger = logging.getLogger(__name__)

# Seconds to wait before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (27.6 hours in all).
DEFAULT_RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
TIMEOUT_SECONDS = 10
RESPONSE_EXCERPT = 1000


class UnsafeTarget(ValueError):
    """A webhook URL we will not send to."""


def retry_delays():
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def check_target(url):
    """Refuse URLs that would make us call into our own network (server-side request forgery).

    Every address the host resolves to must be public; private, loopback, link-local and
    reserved ones are allowed only in development or when WEBHOOK_ALLOW_PRIVATE_TARGETS is on."""
    parts = urlsplit(url)
    allow_private = webhooks_allow_private_targets()
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_private):
        raise UnsafeTarget("Webhook URLs must use https.")
    if not parts.hostname:
        raise UnsafeTarget("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeTarget("Put no user name or password in the URL; deliveries are signed instead.")
    if allow_private:
        return
    try:
        port = parts.port or 443
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except (OSError, ValueError, UnicodeError):
        raise UnsafeTarget(f"The host {parts.hostname} cannot be resolved.")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise UnsafeTarget(f"{parts.hostname} resolves to {ip}, an address inside a private network.")


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
    chosen = []
    for endpoint in endpoints:
        if change.event not in endpoint.events:
            continue
        section_ids = endpoint.partner.section_ids()
        if section_ids is None or {change.section_id, change.previous_section_id} & section_ids:
            chosen.append(endpoint)
    return chosen


def create_deliveries(change, article):
    """One delivery per interested endpoint, each queued for the worker."""
    from newsroom.syndication.tasks import deliver_webhook

    deliveries = [
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
    for delivery in deliveries:
        deliver_webhook.enqueue(delivery.pk)
    return deliveries


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could point anywhere, including inside our network: treat it as a failure.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url, body, headers):
    """POST and return (status code or None, excerpt of the answer or the error)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (https/http only, checked)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {getattr(error, 'reason', error)}"


def attempt(delivery_id):
    """Send one delivery now. Returns the delivery, updated; schedules the next try on failure."""
    delivery = WebhookDelivery.objects.select_related("endpoint__partner").get(pk=delivery_id)
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return delivery
    endpoint = delivery.endpoint
    now = timezone.now()
    if not (endpoint.active and endpoint.partner.active):
        return _finish(delivery, DeliveryStatus.FAILED, None, "Not sent: the endpoint or partner is disabled.", now)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    try:
        check_target(endpoint.url)
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
        code, answer = _post(endpoint.url, body, headers)
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
    _finish(delivery, DeliveryStatus.RETRYING, code, answer, now)
    schedule_retry(delivery)
    return delivery


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


def schedule_retry(delivery):
    """Queue the next attempt for ``next_attempt_at``. A backend that cannot defer work (the
    immediate one, in tests and quick demos) leaves it for `resend`/the admin action instead."""
    from newsroom.syndication.tasks import deliver_webhook, supports_defer

    if supports_defer(deliver_webhook):
        deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    else:
        logger.info("webhook retry not queued: the task backend cannot defer", extra={"delivery": delivery.pk})


def resend(delivery):
    """Send a delivery again from the start (the admin's re-send action); keeps its webhook-id."""
    from newsroom.syndication.tasks import deliver_webhook

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    deliver_webhook.enqueue(delivery.pk)


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
