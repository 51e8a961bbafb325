"""Site admins manage partners, keys, endpoints and deliveries in the admin; nobody else can."""

import re

import pytest
from django.test import Client

from articles import workflow
from articles.models import Status
from newsroom.syndication.models import ApiKey, DeliveryStatus, Partner, WebhookDelivery, WebhookEndpoint
from tests.syndication.conftest import ApiClient, make_article, make_image

pytestmark = pytest.mark.django_db


def _inline_management(prefix):
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


@pytest.fixture
def admin_client(client, site_admin):
    client.force_login(site_admin)
    return client


def test_creating_a_partner_shows_its_key_once(admin_client, client):
    response = admin_client.post(
        "/admin/syndication/partner/add/",
        {
            "name": "Autos Daily",
            "contact_email": "tech@autos.example",
            "active": "on",
            "receives_articles": "on",
            "receives_vehicles": "on",
            "rate_limit_per_minute": "60",
            **_inline_management("api_keys"),
            **_inline_management("webhook_endpoints"),
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    [secret] = re.findall(r"<code>(nrk_[^<]+)</code>", page)
    assert "will not be shown again" in page
    assert ApiClient(client, secret).get("/api/v1/sections/").status_code == 200
    partner = Partner.objects.get(name="Autos Daily")
    later = admin_client.get(f"/admin/syndication/partner/{partner.pk}/change/").content.decode()
    assert secret not in later and ApiKey.objects.get().prefix in later


def test_rotate_action_keeps_the_old_key_for_a_grace_period(admin_client, partner):
    old, _ = partner.issue_key()
    response = admin_client.post(
        "/admin/syndication/partner/",
        {"action": "rotate_key", "_selected_action": [partner.pk]},
        follow=True,
    )
    assert "nrk_" in response.content.decode()
    old.refresh_from_db()
    assert old.expires_at is not None and old.is_valid()
    assert partner.api_keys.valid().count() == 2


def test_revoke_action(admin_client, partner):
    key, secret = partner.issue_key()
    api = ApiClient(Client(), secret)
    assert api.get("/api/v1/sections/").status_code == 200  # the key is now kept by the process
    admin_client.post("/admin/syndication/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert api.get("/api/v1/sections/").status_code == 401


def test_a_partner_deactivated_or_its_plan_changed_in_the_admin_is_obeyed_at_once(admin_client, partner):
    make_article()
    api = ApiClient(Client(), partner.issue_key()[1])
    assert api.get("/api/v1/articles/").status_code == 200  # the key is now kept by the process
    form = {
        "name": partner.name,
        "contact_email": partner.contact_email,
        "rate_limit_per_minute": partner.rate_limit_per_minute,
        "receives_vehicles": "on",
        "active": "on",
        **_inline_management("api_keys"),
        **_inline_management("webhook_endpoints"),
    }
    response = admin_client.post(f"/admin/syndication/partner/{partner.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api.get("/api/v1/articles/").status_code == 404  # no longer receives articles
    response = admin_client.post(f"/admin/syndication/partner/{partner.pk}/change/", {**form, "active": ""})
    assert response.status_code == 302
    assert api.get("/api/v1/vehicle-models/").status_code == 401


def test_an_endpoint_on_a_private_address_is_refused_in_the_admin(admin_client, partner, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post(
        "/admin/syndication/webhookendpoint/add/",
        {
            "partner": partner.pk,
            "url": "https://169.254.169.254/latest/",
            "events": ["published"],
            "active": "on",
            "secret": "whsec_" + "A" * 44,
        },
    )
    assert response.status_code == 200
    assert "private network" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_delivery_log_and_resend(admin_client, partner, receiver, editor, media, act):
    WebhookEndpoint.objects.create(partner=partner, url=receiver.url)
    receiver.status = 500
    act(workflow.publish, make_article(status=Status.APPROVED, image=make_image()), editor)
    delivery = WebhookDelivery.objects.get()
    log = admin_client.get("/admin/syndication/webhookdelivery/").content.decode()
    assert "Retrying" in log
    detail = admin_client.get(f"/admin/syndication/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert "broken" in detail
    receiver.status = 200
    with_resend = admin_client.post(
        "/admin/syndication/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "Queued 1" in with_resend.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 2


@pytest.mark.parametrize("path", ["partner", "apikey", "webhookendpoint", "webhookdelivery"])
def test_editors_cannot_see_syndication_admin(client, editor, path):
    client.force_login(editor)
    assert client.get(f"/admin/syndication/{path}/").status_code == 403
