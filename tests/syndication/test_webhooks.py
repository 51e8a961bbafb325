"""Webhooks to a real receiver on loopback: Standard Webhooks signatures, retries with backoff,
recovery, disabling with a notice, SSRF refusals, and scheduled articles announced at go-live."""

import base64
import errno
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
from datetime import timedelta

import pytest
import trustme
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import workflow
from articles.models import Article, Section, Status
from newsroom.syndication import tasks, webhooks
from newsroom.syndication.models import ChangeEvent, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from newsroom.syndication.tasks import release_scheduled
from tests.syndication.conftest import Receiver, make_article, make_image, make_partner

pytestmark = pytest.mark.django_db


def verify(secret, headers, body):
    """What a partner runs (the README's ten lines): recompute and compare the signature."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, part.split(",", 1)[1]) for part in headers["webhook-signature"].split())


@pytest.fixture
def endpoint(partner, receiver):
    return WebhookEndpoint.objects.create(partner=partner, url=receiver.url)


def _approved(**fields):
    return make_article(status=Status.APPROVED, image=make_image(), **fields)


def test_a_published_article_arrives_signed(endpoint, receiver, editor, media, act):
    article = _approved()
    act(workflow.publish, article, editor)
    [request] = receiver.requests
    headers = request["headers"]
    assert verify(endpoint.secret, headers, request["body"])
    assert not verify("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, request["body"])
    assert abs(int(headers["webhook-timestamp"]) - timezone.now().timestamp()) < 300
    payload = json.loads(request["body"])
    assert payload["type"] == "article.published"
    assert payload["data"]["article_id"] == article.pk
    assert payload["data"]["sequence"] == ChangeEvent.objects.get().pk
    assert "body" not in json.dumps(payload)  # a notification, never the article text
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert headers["webhook-id"] == delivery.message_id


def test_only_the_events_an_endpoint_asked_for(endpoint, receiver, editor, media, act):
    endpoint.events = ["withdrawn"]
    endpoint.save()
    article = _approved()
    act(workflow.publish, article, editor)
    assert receiver.requests == []
    act(workflow.withdraw, article, editor, "Retracted.")
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["article.withdrawn"]


def test_a_withdrawal_carries_the_public_reason_and_never_the_internal_note(endpoint, receiver, editor, media, act):
    article = _approved()
    act(workflow.publish, article, editor)
    note = "Internal: the manufacturer's lawyers called, keep this between us."
    act(workflow.withdraw, article, editor, "The recall figures were wrong; a corrected story follows.", note=note)
    published, withdrawn = (json.loads(request["body"]) for request in receiver.requests)
    assert "reason" not in published["data"]
    assert withdrawn["type"] == "article.withdrawn"
    assert withdrawn["data"]["reason"] == "The recall figures were wrong; a corrected story follows."
    assert note not in receiver.requests[1]["body"].decode()


def test_out_of_scope_articles_are_not_sent(receiver, editor, media, act):
    news = Section.objects.create(name="Newsy", slug="newsy")
    partner = make_partner("Scoped", sections=[news])
    WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
    act(workflow.publish, _approved(), editor)  # in "news", not "newsy"
    assert receiver.requests == []
    act(workflow.publish, _approved(section=news), editor)
    assert len(receiver.requests) == 1


def test_retries_on_500_with_backoff_then_resumes(endpoint, receiver, editor, media, act, settings):
    settings.WEBHOOK_RETRY_DELAYS = [5, 300, 1800, 7200, 18000, 36000, 36000]
    receiver.status = 500
    before = timezone.now()
    act(workflow.publish, _approved(), editor)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.RETRYING, 1, 500)
    assert delivery.last_response == "HTTP 500: broken"
    assert timedelta(seconds=4) < delivery.next_attempt_at - before < timedelta(seconds=60)
    # The worker runs the retries when they fall due (the test backend cannot defer, so we call them).
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert timedelta(minutes=4) < delivery.next_attempt_at - timezone.now() <= timedelta(minutes=5)
    receiver.status = 200
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 3, 200)
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and ids == {delivery.message_id}  # same id: receivers de-duplicate
    assert sum(settings.WEBHOOK_RETRY_DELAYS) >= 24 * 3600


def test_a_delivery_the_worker_could_not_make_is_queued_again_for_its_next_attempt(
    endpoint, receiver, editor, media, act, settings
):
    receiver.status = 500
    act(workflow.publish, _approved(), editor)
    delivery = WebhookDelivery.objects.get()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}}
    tasks.deliver_webhook.call(delivery.pk)  # the second attempt, as the worker runs it
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 2)
    retry = DBTaskResult.objects.get()
    assert (retry.task_path, retry.args_kwargs["args"], retry.run_after) == (
        "newsroom.syndication.tasks.deliver_webhook",
        [delivery.pk],
        delivery.next_attempt_at,
    )


def test_an_endpoint_that_keeps_failing_is_disabled_with_a_notice(endpoint, receiver, editor, media, act, settings):
    settings.WEBHOOK_RETRY_DELAYS = [1, 1]
    settings.ADMINS = ["ops@example.com"]
    receiver.status = 503
    act(workflow.publish, _approved(), editor)
    delivery = WebhookDelivery.objects.get()
    webhooks.attempt(delivery.pk)
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert not endpoint.active and endpoint.disabled_at
    assert "broken" in endpoint.disabled_reason
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"wheels@example.com", "ops@example.com"} <= recipients
    assert "disabled" in mail.outbox[0].subject
    # Nothing more is sent to it; re-enabled and re-sent from the admin, it arrives.
    act(workflow.publish, _approved(), editor)
    assert len(receiver.requests) == 3
    receiver.status = 200
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=True)
    tasks.resend(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.requests) == 4


def test_an_unreachable_endpoint_is_retried_not_crashed(partner, editor, media, act):
    WebhookEndpoint.objects.create(partner=partner, url="http://127.0.0.1:9/nothing-listens-here")
    act(workflow.publish, _approved(), editor)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING and delivery.last_status_code is None
    assert delivery.last_response


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://0.0.0.0/hook",
        "http://example.com/hook",
        "ftp://example.com/hook",
        "https://user:pass@example.com/hook",
    ],
)
def test_private_and_unsafe_targets_are_refused_outside_development(partner, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    endpoint = WebhookEndpoint(partner=partner, url=url)
    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()
    assert "url" in error.value.message_dict


def test_a_target_that_turns_private_later_is_not_called(partner, receiver, editor, media, act, settings):
    WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    act(workflow.publish, _approved(), editor)
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().last_response.startswith("Refused")


def test_scheduled_article_is_announced_at_its_go_live_minute(endpoint, receiver, editor, media, act):
    article = _approved()
    act(workflow.schedule, article, editor, timezone.now() + timedelta(hours=1))
    assert receiver.requests == [] and not ChangeEvent.objects.exists()
    # The go-live minute arrives (we move the article instead of the clock), and the worker runs the task.
    go_live = timezone.now() - timedelta(seconds=1)
    Article.objects.filter(pk=article.pk).update(publish_at=go_live)
    assert release_scheduled.call(article.pk, go_live.isoformat()) == "published"
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["article.published"]
    assert ChangeEvent.objects.get().event == "published"
    # Run twice (a worker retry): announced once.
    assert release_scheduled.call(article.pk, go_live.isoformat()) == "done already"
    assert len(receiver.requests) == 1


def test_an_unscheduled_or_withdrawn_article_is_not_announced(endpoint, receiver, editor, media, act):
    unscheduled = _approved()
    act(workflow.schedule, unscheduled, editor, timezone.now() + timedelta(hours=1))
    planned = unscheduled.publish_at.isoformat()
    act(workflow.unschedule, unscheduled, editor)
    assert release_scheduled.call(unscheduled.pk, planned) == "stale"

    withdrawn = _approved()
    act(workflow.schedule, withdrawn, editor, timezone.now() + timedelta(hours=1))
    planned = withdrawn.publish_at.isoformat()
    act(workflow.withdraw, withdrawn, editor, "Pulled before launch.")
    assert release_scheduled.call(withdrawn.pk, planned) == "stale"

    rescheduled = _approved()
    act(workflow.schedule, rescheduled, editor, timezone.now() + timedelta(hours=1))
    Article.objects.filter(pk=rescheduled.pk).update(publish_at=timezone.now() + timedelta(hours=3))
    assert release_scheduled.call(rescheduled.pk, rescheduled.publish_at.isoformat()) == "stale"
    # Partners never heard of these articles, so they are not told about their withdrawal either.
    assert receiver.requests == [] and not ChangeEvent.objects.exists()


def test_a_rescheduled_article_withdrawn_after_its_first_planned_minute_is_still_not_announced(
    endpoint, receiver, editor, media, act, monkeypatch
):
    """Its first schedule was called off, so that minute passing did not make it public."""
    article = _approved()
    first_minute = timezone.now() + timedelta(hours=1)
    act(workflow.schedule, article, editor, first_minute)
    act(workflow.withdraw, article, editor, "Held back a day.")
    act(workflow.redraft, article, editor)
    Article.objects.filter(pk=article.pk).update(status=Status.APPROVED)
    act(workflow.schedule, article, editor, first_minute + timedelta(days=1))
    monkeypatch.setattr(timezone, "now", lambda: first_minute + timedelta(hours=1))
    act(workflow.withdraw, article, editor, "Cancelled.")
    assert receiver.requests == [] and not ChangeEvent.objects.exists()


# DNS rebinding: the partner's host name resolves to a public address when we check it, and to
# one of ours a moment later. Outside the machine is simulated at the socket boundary: a DNS
# server answering for the partner's name, and the internet routing its public address to a TLS
# receiver on loopback that holds a certificate for that name.

PARTNER_HOST = "hooks.partner.example"
PUBLIC_ADDRESS = "93.184.215.14"


class SimulatedInternet:
    """Answers DNS lookups of PARTNER_HOST from ``answers`` (the last one repeating) and routes
    connections to PUBLIC_ADDRESS to ``route_to_port`` on loopback. Nothing leaves the machine:
    any other outside address is unreachable."""

    def __init__(self, monkeypatch, answers, route_to_port):
        self.lookups, self.connections = [], []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host, port, *args, **kwargs):
            if host != PARTNER_HOST:
                return real_getaddrinfo(host, port, *args, **kwargs)
            answer = answers[min(len(self.lookups), len(answers) - 1)]
            self.lookups.append(answer)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answer, port))]

        def connect(sock, address):
            self.connections.append(address)
            if address[0] == PUBLIC_ADDRESS:
                return real_connect(sock, ("127.0.0.1", route_to_port))
            if ipaddress.ip_address(address[0]).is_loopback:
                return real_connect(sock, address)
            raise OSError(errno.ENETUNREACH, "Network is unreachable")

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def certificate_authority(tmp_path, monkeypatch):
    """A test CA that this process trusts (as the system's CA bundle would be)."""
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return ca


def tls_receiver(ca, *names):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return Receiver(tls=context)


@pytest.fixture
def partner_server(certificate_authority):
    running = tls_receiver(certificate_authority, PARTNER_HOST)
    yield running
    running.stop()


def test_a_host_that_rebinds_to_loopback_is_still_delivered_to_the_checked_address(
    partner, receiver, partner_server, editor, media, act, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    # `receiver` plays an internal service on the port the partner's URL names.
    endpoint = WebhookEndpoint.objects.create(partner=partner, url=f"https://{PARTNER_HOST}:{receiver.port}/hook")
    internet = SimulatedInternet(monkeypatch, [PUBLIC_ADDRESS, "127.0.0.1"], route_to_port=partner_server.port)
    act(workflow.publish, _approved(), editor)

    assert internet.lookups == [PUBLIC_ADDRESS]  # resolved once, for the check
    assert internet.connections == [(PUBLIC_ADDRESS, receiver.port)]
    assert receiver.requests == []
    [request] = partner_server.requests
    assert request["headers"]["host"] == f"{PARTNER_HOST}:{receiver.port}"
    assert verify(endpoint.secret, request["headers"], request["body"])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 200)


def test_the_certificate_is_verified_against_the_host_name_not_the_address(
    partner, certificate_authority, editor, media, act, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    impostor = tls_receiver(certificate_authority, "someone-else.example", PUBLIC_ADDRESS)
    try:
        WebhookEndpoint.objects.create(partner=partner, url=f"https://{PARTNER_HOST}/hook")
        SimulatedInternet(monkeypatch, [PUBLIC_ADDRESS], route_to_port=impostor.port)
        act(workflow.publish, _approved(), editor)
    finally:
        impostor.stop()
    assert impostor.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.RETRYING, None)
    assert delivery.last_response == "TLS failed: the certificate is not trusted or not valid for the host name."


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


@pytest.mark.parametrize(
    "failure, expected",
    [
        ("refused", "Connection refused."),
        ("silent", "Timed out: no answer within 0.2 seconds."),
        ("not tls", "TLS failed: no secure connection could be set up."),
        ("status", "HTTP 503: broken"),
        ("private", f"Refused: {PARTNER_HOST} resolves to an address inside a private network."),
    ],
)
def test_a_failed_delivery_names_what_failed_but_no_address_or_port(
    failure, expected, partner, receiver, silent_port, settings, monkeypatch
):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
    receiver.status = 503
    port = {"refused": _closed_port(), "silent": silent_port}.get(failure, receiver.port)
    url = {
        "not tls": f"https://127.0.0.1:{port}/hook",
        "private": f"https://{PARTNER_HOST}:{port}/hook",
    }.get(failure, f"http://127.0.0.1:{port}/hook")
    if failure == "private":
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
        SimulatedInternet(monkeypatch, ["10.20.30.40"], route_to_port=port)
    endpoint = WebhookEndpoint.objects.create(partner=partner, url=url)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, message_id="msg_failure", event="published", payload={}, next_attempt_at=timezone.now()
    )
    webhooks.attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_response == expected
    for internal in ("127.0.0.1", "10.20.30.40", str(port)):
        assert internal not in delivery.last_response
