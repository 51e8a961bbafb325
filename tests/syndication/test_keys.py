"""API keys: shown once, stored as a hash, refused when wrong, revoked, expired or in the URL;
rotation keeps two keys working; throttling answers 429 with Retry-After."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from articles.models import Article, Section
from newsroom.core import pagecache
from newsroom.syndication import throttling
from newsroom.syndication.models import ApiKey, Partner
from tests.syndication.conftest import ApiClient, make_article, make_partner

pytestmark = pytest.mark.django_db


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_the_key_is_stored_only_as_a_hash(partner):
    api_key, secret = partner.issue_key()
    assert secret.startswith(f"nrk_{api_key.prefix}_")
    assert secret not in str(ApiKey.objects.filter(pk=api_key.pk).values().get())
    assert api_key.matches(secret) and not api_key.matches(secret + "x")


def test_no_key_is_401_with_a_bearer_challenge(client, db):
    problem = _problem(client.get("/api/v1/articles/"), 401)
    assert "Bearer" in problem["detail"]
    assert client.get("/api/v1/articles/")["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nrk_00000000_wrong",
        "Bearer nothing-like-a-key",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer nrk_\x00\x00_x",
    ],
)
def test_wrong_keys_are_401(client, partner, header):
    partner.issue_key()
    _problem(client.get("/api/v1/articles/", HTTP_AUTHORIZATION=header), 401)


def test_a_key_with_a_right_prefix_and_a_wrong_secret_is_401(client, partner):
    api_key, secret = partner.issue_key()
    forged = f"nrk_{api_key.prefix}_{'A' * 43}"
    _problem(client.get("/api/v1/articles/", HTTP_AUTHORIZATION=f"Bearer {forged}"), 401)


def test_revoked_expired_and_inactive_keys_are_401(client, partner):
    api = ApiClient(client, partner.issue_key()[1])
    assert api.get("/api/v1/sections/").status_code == 200
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _problem(api.get("/api/v1/sections/"), 401)
    ApiKey.objects.update(expires_at=None)
    Partner.objects.update(active=False)
    _problem(api.get("/api/v1/sections/"), 401)
    Partner.objects.update(active=True)
    ApiKey.objects.revoke()
    _problem(api.get("/api/v1/sections/"), 401)


def test_a_current_copy_is_not_a_304_once_the_key_is_revoked_expired_or_its_partner_inactive(client, partner):
    """The key is checked before the copy is: a partner holding a current ETag learns its key stopped
    working (401), never that its copy is still good."""
    make_article()
    api = ApiClient(client, partner.issue_key()[1])
    for path in ("/api/v1/articles/", f"/api/v1/articles/{Article.objects.get().pk}/"):
        etag = api.get(path)["ETag"]
        assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
        ApiKey.objects.revoke()
        _problem(api.get(path, HTTP_IF_NONE_MATCH=etag), 401)
        api = ApiClient(client, partner.issue_key()[1])
        ApiKey.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
        _problem(api.get(path, HTTP_IF_NONE_MATCH=etag), 401)
        api = ApiClient(client, partner.issue_key()[1])
        Partner.objects.update(active=False)
        _problem(api.get(path, HTTP_IF_NONE_MATCH=etag), 401)
        Partner.objects.update(active=True)


def test_a_current_copy_outside_the_partners_sections_is_a_404_not_a_304(client, partner):
    """A partner whose sections no longer include a story it holds is told it is gone, and the list's
    ETag changes with the partner's sections."""
    story = make_article()
    api = ApiClient(client, partner.issue_key()[1])
    detail, listing = f"/api/v1/articles/{story.pk}/", "/api/v1/articles/"
    etags = {path: api.get(path)["ETag"] for path in (detail, listing)}
    partner.sections.set([Section.objects.create(name="Elsewhere", slug="elsewhere")])
    _problem(api.get(detail, HTTP_IF_NONE_MATCH=etags[detail]), 404)
    response = api.get(listing, HTTP_IF_NONE_MATCH=etags[listing])
    assert response.status_code == 200 and response.json()["results"] == []


def test_a_kept_key_is_read_again_after_any_change_of_what_it_may_do(
    client, partner, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Each process keeps the keys it read (``authentication.known_keys``): a partner's requests read
    no key, until a change of the key or its partner is said. Each change here is obeyed by the
    next request, whichever way it was made."""
    industry = Section.objects.create(name="Industry", slug="industry")
    make_article(section=industry)
    api_key, secret = partner.issue_key()
    api = ApiClient(client, secret)
    assert api.get("/api/v1/sections/").status_code == 200
    with django_assert_num_queries(1):  # the sections alone: the key is kept
        assert api.get("/api/v1/sections/").status_code == 200

    partner.sections.add(Section.objects.create(name="News", slug="news"))
    assert [item["section"]["slug"] for item in api.get("/api/v1/articles/").json()["results"]] == []
    with django_capture_on_commit_callbacks(execute=True):  # a deleted section takes the partner's link with it
        Section.objects.filter(slug="news").delete()
    assert len(api.get("/api/v1/articles/").json()["results"]) == 1

    # The key moved to a partner that receives no articles (Django updates it through the base manager).
    no_articles = make_partner("No Articles", receives_articles=False)
    no_articles.api_keys.add(api_key)
    assert api.get("/api/v1/articles/").status_code == 404
    partner.api_keys.add(api_key)

    partner.receives_articles = False
    partner.save()
    assert api.get("/api/v1/articles/").status_code == 404
    Partner.objects.update(receives_articles=True)
    assert api.get("/api/v1/articles/").status_code == 200

    api_key.expires_at = timezone.now() - timedelta(seconds=1)
    api_key.save()
    _problem(api.get("/api/v1/sections/"), 401)
    ApiKey.objects.update(expires_at=None)
    assert api.get("/api/v1/sections/").status_code == 200
    ApiKey.objects.filter(pk=api_key.pk).delete()
    _problem(api.get("/api/v1/sections/"), 401)

    api = ApiClient(client, partner.issue_key()[1])
    assert api.get("/api/v1/sections/").status_code == 200
    partner.delete()
    _problem(api.get("/api/v1/sections/"), 401)


def test_a_kept_key_expires_on_time_with_no_event(client, partner, monkeypatch):
    api = ApiClient(client, partner.issue_key(expires_at=timezone.now() + timedelta(hours=1))[1])
    assert api.get("/api/v1/sections/").status_code == 200
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=1))
    _problem(api.get("/api/v1/sections/"), 401)


def test_a_kept_key_still_checks_the_secret(client, partner, django_assert_num_queries):
    api_key, secret = partner.issue_key()
    assert ApiClient(client, secret).get("/api/v1/sections/").status_code == 200
    forged = f"nrk_{api_key.prefix}_{'A' * 43}"
    with django_assert_num_queries(0):  # refused from the kept key: guessing costs the database nothing
        _problem(client.get("/api/v1/sections/", HTTP_AUTHORIZATION=f"Bearer {forged}"), 401)


@pytest.mark.django_db(transaction=True)
def test_a_key_revoked_by_another_connection_is_refused_once_it_commits(client):
    """Another process's revocation (here another thread, with its own connection and transaction)
    reaches this process's kept key through the shared cache as soon as it commits."""
    partner = make_partner("Elsewhere")
    api_key, secret = partner.issue_key()
    api = ApiClient(client, secret)
    assert api.get("/api/v1/sections/").status_code == 200
    revoked = threading.Event()
    committed = threading.Event()

    def revoke():
        try:
            with transaction.atomic():
                ApiKey.objects.filter(pk=api_key.pk).revoke()
                revoked.set()
                committed.wait(5)
        finally:
            connection.close()

    thread = threading.Thread(target=revoke)
    thread.start()
    revoked.wait(5)
    # Not committed yet: this connection still reads the key as valid (SQLite and PostgreSQL alike).
    assert api.get("/api/v1/sections/").status_code == 200
    committed.set()
    thread.join()
    _problem(api.get("/api/v1/sections/"), 401)


def test_a_change_the_shared_cache_cannot_record_is_logged(partner, monkeypatch, caplog):
    """Other processes then obey it only when their kept keys expire (60 s): an operator must know."""
    partner.issue_key()
    monkeypatch.setattr(pagecache, "_next_change", lambda: None)  # the shared cache refuses writes
    ApiKey.objects.revoke()
    assert "could not be written to the shared cache" in caplog.text


def test_without_the_shared_cache_the_key_is_read_every_time(client, partner, monkeypatch, django_assert_num_queries):
    secret = partner.issue_key()[1]
    api = ApiClient(client, secret)
    assert api.get("/api/v1/sections/").status_code == 200
    monkeypatch.setattr(pagecache, "journal_stamp", lambda request: None)  # the shared cache is down
    for _ in range(2):
        with django_assert_num_queries(2):  # the key, the sections
            assert api.get("/api/v1/sections/").status_code == 200
    ApiKey.objects.revoke()
    _problem(api.get("/api/v1/sections/"), 401)


@pytest.mark.parametrize("name", ["key", "api_key", "token", "access_token", "API_KEY"])
def test_a_key_in_the_query_string_is_refused(client, partner, name):
    _key, secret = partner.issue_key()
    problem = _problem(client.get("/api/v1/articles/", {name: secret}), 400)
    assert problem["errors"][0]["parameter"] == name
    assert "Authorization: Bearer" in problem["detail"]
    # Even with a good header too: the key must not travel in URLs at all.
    _problem(client.get("/api/v1/articles/", {name: secret}, HTTP_AUTHORIZATION=f"Bearer {secret}"), 400)


def test_a_huge_authorization_header_is_a_400(client, db):
    problem = _problem(client.get("/api/v1/articles/", HTTP_AUTHORIZATION="Bearer " + "x" * 10_000), 400)
    assert problem["errors"][0]["parameter"] == "Authorization"


def test_rotation_keeps_the_old_key_working_for_the_grace_period(client, partner):
    _old, old_secret = partner.issue_key()
    _new, new_secret = partner.issue_key(rotation_grace=timedelta(days=7))
    for secret in (old_secret, new_secret):
        assert ApiClient(client, secret).get("/api/v1/sections/").status_code == 200
    old = ApiKey.objects.get(pk=_old.pk)
    assert timedelta(days=6) < old.expires_at - timezone.now() <= timedelta(days=7)
    # A third key: never more than two valid at once, so the oldest is revoked.
    partner.issue_key()
    assert ApiClient(client, old_secret).get("/api/v1/sections/").status_code == 401
    assert ApiClient(client, new_secret).get("/api/v1/sections/").status_code == 200
    assert partner.api_keys.valid().count() == 2


def test_last_used_is_written_at_most_once_a_minute(client, partner, django_assert_num_queries, monkeypatch):
    api_key, secret = partner.issue_key()
    api = ApiClient(client, secret)
    api.get("/api/v1/sections/")
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the list (the key is kept by the process): no UPDATE
        api.get("/api/v1/sections/")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=2))
    api.get("/api/v1/sections/")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > first


def test_throttling_answers_429_with_retry_after(client, db, monkeypatch):
    # Twenty seconds into a one-minute window, so the test never straddles two windows.
    monkeypatch.setattr("newsroom.syndication.throttling._clock", lambda: 60 * 28_000_000 + 20.0)
    partner = make_partner("Tiny Plan", rate_limit_per_minute=3)
    _k1, first = partner.issue_key()
    _k2, second = partner.issue_key()
    for _ in range(2):
        assert ApiClient(client, first).get("/api/v1/sections/").status_code == 200
    assert ApiClient(client, second).get("/api/v1/sections/").status_code == 200
    # The fourth request in the minute, whichever of the partner's keys sends it.
    response = ApiClient(client, second).get("/api/v1/sections/")
    problem = _problem(response, 429)
    assert response["Retry-After"] == "40"
    assert response["Retry-After"] in problem["detail"]
    other = make_partner("Big Plan")
    assert ApiClient(client, other.issue_key()[1]).get("/api/v1/sections/").status_code == 200


def test_a_large_allowance_is_leased_in_hundredths_and_never_exceeded(db, monkeypatch):
    """Each process takes a big partner's allowance from the shared count a hundredth at a time
    (one cache write per lease, not per request); all processes together get no more than the limit."""
    monkeypatch.setattr(throttling, "_clock", lambda: 60 * 28_000_000 + 20.0)
    monkeypatch.setattr(throttling, "_leases", {})
    partner = make_partner("Big Plan", rate_limit_per_minute=1000)
    api_key, _secret = partner.issue_key()

    def allowed(count):  # requests, each decided once (``throttling.admit``)
        return sum(throttling.admit(HttpRequest(), api_key)[0] for _ in range(count))

    assert allowed(25) == 25
    shared = f"syndication:throttle:{partner.pk}:28000000"
    assert cache.get(shared) == 30  # three leases of 10
    # Another process (its own leases) and this one share what is left: 1000 in all, never more.
    other_process = {}
    monkeypatch.setattr(throttling, "_leases", other_process)
    assert allowed(2000) == 1000 - 30
    monkeypatch.setattr(throttling, "_leases", {(partner.pk, 28_000_000): 5})  # the first process's rest
    assert allowed(10) == 5


def test_create_partner_key_command_prints_a_working_key(client, partner):
    out = StringIO()
    call_command("create_partner_key", partner.name, "--name", "cli", stdout=out)
    secret = out.getvalue().strip()
    assert ApiClient(client, secret).get("/api/v1/sections/").status_code == 200
    assert partner.api_keys.get(name="cli").prefix in secret


def test_create_partner_key_for_an_unknown_partner(db):
    with pytest.raises(CommandError, match="No partner called"):
        call_command("create_partner_key", "Nobody", stdout=StringIO())
    out = StringIO()
    call_command("create_partner_key", "New Partner", "--create", "--email", "dev@example.com", stdout=out)
    assert Partner.objects.get(name="New Partner").api_keys.count() == 1


def test_create_partner_key_never_takes_other_digits_for_a_partner_id(db):
    """int() reads "٢" (Arabic-Indic two) as 2: the key went to partner 2, whatever its name."""
    Partner.objects.create(name="First", contact_email="first@example.com")
    second = Partner.objects.create(name="Second", contact_email="second@example.com")
    for name in (chr(0x0660 + second.pk), "²", "9" * 30):
        with pytest.raises(CommandError, match="No partner called"):
            call_command("create_partner_key", name, stdout=StringIO())
    assert not ApiKey.objects.exists()
    call_command("create_partner_key", str(second.pk), stdout=StringIO())
    assert second.api_keys.count() == 1


@pytest.mark.parametrize("days", ["-1", "999999999999", "٣"])
def test_create_partner_key_refuses_a_rotation_it_cannot_make(partner, days):
    with pytest.raises(CommandError, match="rotate-days"):
        call_command("create_partner_key", partner.name, "--rotate-days", days, stdout=StringIO())
    assert not partner.api_keys.exists()


@pytest.mark.parametrize(("name", "email", "problem"), [("", "dev@example.com", "name"), ("Acme", "bad", "email")])
def test_create_partner_key_checks_a_new_partner_like_the_admin_does(db, name, email, problem):
    with pytest.raises(CommandError, match=problem):
        call_command("create_partner_key", name, "--create", "--email", email, stdout=StringIO())
    assert not Partner.objects.exists()
