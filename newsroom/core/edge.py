"""Purging the edge caches in front of the app servers, by key.

Every cacheable public answer names what it shows in its ``Surrogate-Key`` header (and, for
Cloudflare, ``Cache-Tag``). After a change commits, ``public_keys_changed`` names the keys it
touched; ``on_public_keys_changed`` queues ``purge_edge`` once per configured edge, and the task
worker tells that edge to drop every copy carrying one of the keys. A soft purge ends the copies'
lifetime but lets the edge keep serving them while the app servers are down; a hard purge (a
withdrawal) removes them, so not even a stale copy is served again.

The edges, configured by environment (``newsroom.settings``):
- ``EDGE_PURGE_URLS``: Varnish caches running ``deploy/varnish/newsroom.vcl``, sent ``PURGE``;
- ``FASTLY_API_TOKEN`` + ``FASTLY_SERVICE_ID``: Fastly's surrogate-key purge (soft unless hard);
- ``CLOUDFLARE_API_TOKEN`` + ``CLOUDFLARE_ZONE_ID``: Cloudflare's purge by cache tag (it has no
  soft purge: every purge is hard).

A purge that fails is logged and tried again later with growing delays, up to
``EDGE_PURGE_ATTEMPTS`` times. The change itself has committed before any of this starts, so a
purge that never gets through costs freshness at that edge (until the copies' lifetime ends),
never the change.
"""

import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from newsroom.core.signals import public_keys_changed

logger = logging.getLogger("newsroom.edge")


class PurgeFailed(Exception):
    """The edge did not confirm the purge (unreachable, refused, or an error answer)."""


class Edge:
    """One edge cache. ``purge`` drops every copy carrying one of ``keys`` or raises PurgeFailed."""

    name = "edge"
    # Keys per request: what the edge's API takes at once.
    batch_size = 100

    def purge(self, keys, hard):
        keys = sorted(keys)
        for start in range(0, len(keys), self.batch_size):
            self.purge_batch(keys[start : start + self.batch_size], hard)

    def purge_batch(self, keys, hard):
        raise NotImplementedError

    def _send(self, url, method, headers, body=None):
        """The answer's body for a 2xx; PurgeFailed for anything else."""
        if not url.startswith(("http://", "https://")):
            raise PurgeFailed(f"{self.name}: not an http(s) address: {url!r}")
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 (checked above)
        try:
            with urllib.request.urlopen(request, timeout=settings.EDGE_PURGE_TIMEOUT) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as error:
            raise PurgeFailed(f"{self.name} answered {error.code}: {error.read()[:200]!r}") from error
        except (urllib.error.URLError, OSError) as error:
            raise PurgeFailed(f"{self.name} unreachable: {error}") from error


class Varnish(Edge):
    """A Varnish running deploy/varnish/newsroom.vcl: ``PURGE`` with the keys in ``Surrogate-Key``
    and ``Purge-Mode: hard`` for xkey.purge (xkey.softpurge otherwise)."""

    # Keep the request header well under Varnish's 8 KB header limit.
    batch_size = 200

    def __init__(self, url):
        self.url = url
        self.name = f"varnish {url}"

    def purge_batch(self, keys, hard):
        headers = {"Surrogate-Key": " ".join(keys), "Purge-Mode": "hard" if hard else "soft"}
        self._send(self.url, "PURGE", headers)


class Fastly(Edge):
    """Fastly's batch surrogate-key purge; ``Fastly-Soft-Purge: 1`` unless hard."""

    name = "fastly"
    batch_size = 256

    def __init__(self, token, service_id, api_url):
        self.token, self.service_id, self.api_url = token, service_id, api_url.rstrip("/")

    def purge_batch(self, keys, hard):
        headers = {"Fastly-Key": self.token, "Content-Type": "application/json", "Accept": "application/json"}
        if not hard:
            headers["Fastly-Soft-Purge"] = "1"
        url = f"{self.api_url}/service/{self.service_id}/purge"
        body = json.dumps({"surrogate_keys": keys}).encode()
        self._send(url, "POST", headers, body)


class Cloudflare(Edge):
    """Cloudflare's purge by cache tag (the app sends ``Cache-Tag`` for it, see
    ``CacheTagMiddleware``). Cloudflare has no soft purge: every purge removes the copies."""

    name = "cloudflare"
    batch_size = 100

    def __init__(self, token, zone_id, api_url):
        self.token, self.zone_id, self.api_url = token, zone_id, api_url.rstrip("/")

    def purge_batch(self, keys, hard):
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        url = f"{self.api_url}/zones/{self.zone_id}/purge_cache"
        body = json.dumps({"tags": keys}).encode()
        answer = self._send(url, "POST", headers, body)
        try:
            success = json.loads(answer).get("success")
        except (ValueError, AttributeError):
            success = False
        if success is not True:
            raise PurgeFailed(f"cloudflare did not confirm the purge: {answer[:200]!r}")


def configured_edges():
    """{name: Edge} for every edge the settings name; empty when the site has no edge cache."""
    edges = [Varnish(url) for url in settings.EDGE_PURGE_URLS]
    if settings.FASTLY_API_TOKEN and settings.FASTLY_SERVICE_ID:
        edges.append(Fastly(settings.FASTLY_API_TOKEN, settings.FASTLY_SERVICE_ID, settings.FASTLY_API_URL))
    if settings.CLOUDFLARE_API_TOKEN and settings.CLOUDFLARE_ZONE_ID:
        edges.append(
            Cloudflare(settings.CLOUDFLARE_API_TOKEN, settings.CLOUDFLARE_ZONE_ID, settings.CLOUDFLARE_API_URL)
        )
    return {edge.name: edge for edge in edges}


def retry_delay(attempt):
    """Seconds before attempt ``attempt + 1``: 2, 4, 8, … capped at five minutes."""
    return min(2**attempt, 300)


@task()
def purge_edge(edge_name, keys, hard, attempt=1):
    """Purge ``keys`` at one edge; on failure log it and queue the next attempt (with back-off)
    until ``EDGE_PURGE_ATTEMPTS``. Purging twice is harmless, so a retried task is too."""
    edge = configured_edges().get(edge_name)
    if edge is None:  # the edge was removed from the settings since this was queued
        return "gone"
    try:
        edge.purge(keys, hard)
    except PurgeFailed as error:
        context = {"edge": edge_name, "keys": len(keys), "hard": hard, "attempt": attempt, "error": str(error)}
        if attempt >= settings.EDGE_PURGE_ATTEMPTS:
            logger.error("edge purge abandoned", extra=context)
            return "abandoned"
        if not purge_edge.get_backend().supports_defer:
            logger.error("edge purge failed; not retried: the task backend cannot defer work", extra=context)
            return "failed"
        logger.warning("edge purge failed; will retry", extra=context)
        run_after = timezone.now() + timedelta(seconds=retry_delay(attempt))
        purge_edge.using(run_after=run_after).enqueue(edge_name, keys, hard, attempt + 1)
        return "retrying"
    return "purged"


def on_public_keys_changed(sender, keys, hard=False, **kwargs):
    """``public_keys_changed`` receiver: queue one purge per configured edge. Sent after the
    change committed; nothing here may fail the request that made it."""
    if not keys:
        return
    for name in configured_edges():
        try:
            purge_edge.enqueue(name, sorted(keys), bool(hard))
        except Exception:  # a task queue that refuses work must not turn a committed publish into an error page
            logger.exception("edge purge not queued", extra={"edge": name, "keys": len(keys), "hard": hard})


class CacheTagMiddleware:
    """For Cloudflare, which reads cache tags from ``Cache-Tag`` (comma-separated) rather than
    ``Surrogate-Key`` (space-separated): the same keys in its header. Installed only when
    Cloudflare is configured; placed above the page cache so its hits get the header too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        keys = response.get("Surrogate-Key", "").split()
        if keys:
            response["Cache-Tag"] = ",".join(keys)
        return response


def connect_receivers():
    public_keys_changed.connect(on_public_keys_changed, dispatch_uid="newsroom.core.edge.public_keys_changed")
