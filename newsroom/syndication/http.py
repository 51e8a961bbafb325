"""HTTP caching for the API: a strong ETag from the body, Last-Modified, 304 answers, and
caching that stays private to the key that asked."""

import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings

from newsroom.syndication.problems import InvalidParameter, precondition_failed

CACHE_CONTROL = "private, no-cache"


# Part of every fingerprint: raised whenever the same data comes out differently (a new field, a
# changed text conversion), so partners holding a copy made by the old code fetch it again instead
# of being told it is current. 2: body_text from ``newsroom.core.text.html_to_text``.
REPRESENTATION_VERSION = 2


def fingerprint_etag(*inputs):
    """A strong ETag from everything a representation is built from, known before building it."""
    return quote_etag(hashlib.sha256(repr((REPRESENTATION_VERSION, *inputs)).encode()).hexdigest()[:40])


def _validators(response, etag, last_modified):
    response["ETag"] = etag
    if last_modified is None:
        return None
    timestamp = int(last_modified.timestamp())
    response["Last-Modified"] = http_date(timestamp)
    return timestamp


def _conditional_response(request, etag, timestamp, response):
    """Django's answer to a conditional request, with a failed precondition as a problem document."""
    answer = get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
    return precondition_failed(request) if answer.status_code == 412 else answer


# What makes a request conditional (RFC 9110 section 13.1): without one, the answer is the resource.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


def answer_early(request, etag, last_modified=None):
    """The 304 (or 412) for a conditional GET whose copy is current, before any serialising; else None.

    A poll (``If-None-Match``, or ``If-Modified-Since`` alone) is decided here as RFC 9110 section
    13.2.2 and Django decide it, without the probe response Django's evaluation needs: it cost a
    304 a tenth of its time. Any other precondition is Django's to evaluate."""
    meta = request.META
    if "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta:
        probe = HttpResponse()
        timestamp = _validators(probe, etag, last_modified)
        answer = _conditional_response(request, etag, timestamp, probe)
        return None if answer is probe else answer
    etags = parse_etags(meta.get("HTTP_IF_NONE_MATCH", ""))
    if etags:  # If-Modified-Since is then ignored
        current = _weakly_matched(etag, etags)
    else:
        since = parse_http_date_safe(meta.get("HTTP_IF_MODIFIED_SINCE", ""))
        current = bool(since) and last_modified is not None and int(last_modified.timestamp()) <= since
    if not current:
        return None
    answer = HttpResponseNotModified()
    _validators(answer, etag, last_modified)
    return answer


def _weakly_matched(etag, etags):
    """Whether ``If-None-Match``'s ``etags`` hold ``etag`` (weak comparison, ``*`` for any)."""
    if etags == ["*"]:
        return True
    strip = etag.removeprefix("W/")
    return any(candidate.removeprefix("W/") == strip for candidate in etags)


def finish(request, response, last_modified=None, etag=None):
    """Add validators to a successful read and answer 304 when the client's copy is current.

    Without a precomputed ``etag`` (see ``fingerprint_etag``), the ETag is a hash of the body."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        if etag is None:
            if hasattr(response, "render"):
                response.render()
            etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:40])
        timestamp = _validators(response, etag, last_modified)
        response = _conditional_response(request, etag, timestamp, response)
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Authorization", "Accept"))
    return response


def is_conditional(request):
    """Whether a request carries a precondition (RFC 9110 section 13.1): without one, the answer is the resource."""
    return any(header in request.META for header in CONDITIONAL_HEADERS)


def quick_renderer(request, renderers):
    """(renderer, media type) for what partners send on nearly every request: no ``?format=`` and
    no ``Accept`` (or ``*/*``) or exactly one of ``renderers``' media types, as REST framework would
    choose it, found in a fraction of its time; None for anything else. ``request`` is Django's."""
    if api_settings.URL_FORMAT_OVERRIDE in request.GET:
        return None
    accept = request.META.get("HTTP_ACCEPT", "*/*")
    if accept == "*/*":
        return renderers[0], renderers[0].media_type
    for renderer in renderers:
        if accept == renderer.media_type:
            return renderer, accept
    return None


class FormatNegotiation(DefaultContentNegotiation):
    """``?format=`` that names no format of this endpoint is a 400 naming the parameter; the
    common requests are answered by ``quick_renderer``, anything else goes through REST framework."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if format_suffix is None and (chosen := quick_renderer(request._request, renderers)):
            return chosen
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            known = ", ".join(renderer.format for renderer in renderers)
            raise InvalidParameter("format", f"Unknown format; this endpoint offers: {known}.")
        return matching
