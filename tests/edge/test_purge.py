"""Purging the edges by key (newsroom.core.edge): what each edge is sent, retries with back-off,
and a change that never fails because an edge is down. Fastly's and Cloudflare's APIs are outside
this machine: a local HTTP server stands in for each, and the tests check the requests it gets."""

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsroom.core.edge import CacheTagMiddleware, purge_edge
from newsroom.core.signals import public_keys_changed
from tests.servers import free_port


class VendorDouble:
    """A loopback HTTP server impersonating a vendor's purge API: records every request and
    answers with ``status`` and ``body``."""

    def __init__(self):
        self.requests = []
        self.status, self.body = 200, b"{}"
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                double.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(double.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(double.body)))
                self.end_headers()
                self.wfile.write(double.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vendor():
    double = VendorDouble()
    yield double
    double.close()


@pytest.fixture
def fastly(vendor, settings):
    settings.FASTLY_API_TOKEN, settings.FASTLY_SERVICE_ID, settings.FASTLY_API_URL = "fastly-token", "SVC1", vendor.url
    vendor.body = b'{"article-12": "108-1391560174-974124"}'
    return vendor


@pytest.fixture
def cloudflare(vendor, settings):
    settings.CLOUDFLARE_API_TOKEN, settings.CLOUDFLARE_ZONE_ID = "cf-token", "ZONE9"
    settings.CLOUDFLARE_API_URL = vendor.url + "/client/v4"
    vendor.body = b'{"success": true, "errors": [], "messages": [], "result": {"id": "ZONE9"}}'
    return vendor


@pytest.fixture
def database_tasks(db, settings):
    """The task worker's backend, so retries are queued (the suite's immediate backend cannot defer)."""
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_fastly_gets_a_soft_surrogate_key_purge_for_a_change(fastly):
    public_keys_changed.send(sender=None, keys=frozenset({"home", "article-12", "section-3"}), hard=False)
    [request] = fastly.requests
    assert request["path"] == "/service/SVC1/purge"
    assert request["headers"]["Fastly-Key"] == "fastly-token"
    assert request["headers"]["Fastly-Soft-Purge"] == "1"
    assert json.loads(request["body"]) == {"surrogate_keys": ["article-12", "home", "section-3"]}


def test_fastly_purges_a_withdrawal_hard_in_batches_of_256_keys(fastly):
    keys = frozenset(f"article-{number}" for number in range(300))
    public_keys_changed.send(sender=None, keys=keys, hard=True)
    assert [len(json.loads(request["body"])["surrogate_keys"]) for request in fastly.requests] == [256, 44]
    assert all("Fastly-Soft-Purge" not in request["headers"] for request in fastly.requests)
    sent = {key for request in fastly.requests for key in json.loads(request["body"])["surrogate_keys"]}
    assert sent == keys


def test_cloudflare_gets_a_purge_by_cache_tags(cloudflare):
    public_keys_changed.send(sender=None, keys=frozenset({"article-12", "feed"}), hard=False)
    [request] = cloudflare.requests
    assert request["path"] == "/client/v4/zones/ZONE9/purge_cache"
    assert request["headers"]["Authorization"] == "Bearer cf-token"
    assert json.loads(request["body"]) == {"tags": ["article-12", "feed"]}


def test_cloudflare_answering_success_false_is_a_failed_purge(cloudflare, database_tasks, caplog):
    cloudflare.body = b'{"success": false, "errors": [{"code": 1134, "message": "rate limited"}]}'
    with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
        assert purge_edge.call("cloudflare", ["article-12"], False) == "retrying"
    assert "edge purge failed; will retry" in caplog.text


def test_no_edge_configured_sends_nothing(vendor, database_tasks):
    public_keys_changed.send(sender=None, keys=frozenset({"home"}), hard=False)
    assert vendor.requests == []
    assert not DBTaskResult.objects.exists()


def test_a_failed_purge_is_retried_with_growing_delays_then_given_up(fastly, database_tasks, settings, caplog):
    settings.EDGE_PURGE_ATTEMPTS = 3
    fastly.status, fastly.body = 503, b'{"msg": "try later"}'
    public_keys_changed.send(sender=None, keys=frozenset({"article-12"}), hard=False)
    [first] = DBTaskResult.objects.all()
    assert first.args_kwargs["args"] == ["fastly", ["article-12"], False]
    assert fastly.requests == []  # queued for the worker, not sent inside the change's request

    caplog.set_level(logging.WARNING, logger="newsroom.edge")
    before = timezone.now()
    assert purge_edge.call("fastly", ["article-12"], False) == "retrying"
    second = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert second.args_kwargs["args"] == ["fastly", ["article-12"], False, 2]
    assert before + timedelta(seconds=2) <= second.run_after <= timezone.now() + timedelta(seconds=2)

    assert purge_edge.call("fastly", ["article-12"], False, 2) == "retrying"
    third = DBTaskResult.objects.exclude(pk__in=[first.pk, second.pk]).get()
    assert before + timedelta(seconds=4) <= third.run_after <= timezone.now() + timedelta(seconds=4)

    assert purge_edge.call("fastly", ["article-12"], False, 3) == "abandoned"
    assert DBTaskResult.objects.count() == 3
    assert len(fastly.requests) == 3
    records = [record for record in caplog.records if record.name == "newsroom.edge"]
    assert [record.levelname for record in records] == ["WARNING", "WARNING", "ERROR"]
    assert "503" in records[-1].error and records[-1].attempt == 3

    fastly.status = 200
    assert purge_edge.call("fastly", ["article-12"], False) == "purged"


def test_an_unreachable_edge_never_fails_the_change_that_sent_the_keys(settings, caplog):
    # The suite's immediate backend runs the purge inside this call, as `make run` may.
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/"]
    with caplog.at_level(logging.ERROR, logger="newsroom.edge"):
        public_keys_changed.send(sender=None, keys=frozenset({"article-12"}), hard=True)
    assert "edge purge failed" in caplog.text


def test_cloudflare_sites_get_the_keys_as_cache_tags():
    def view(request):
        response = HttpResponse("page")
        response["Surrogate-Key"] = "article-12 section-3 home"
        return response

    response = CacheTagMiddleware(view)(RequestFactory().get("/"))
    assert response["Cache-Tag"] == "article-12,section-3,home"
    assert "Cache-Tag" not in CacheTagMiddleware(lambda request: HttpResponse("admin"))(RequestFactory().get("/"))
