"""The public page cache: whole pages for anonymous readers, keyed per URL, thrown away at once
when readers must see something new.

Two halves. ``public_page`` decorates each public view: it marks a reader's 200 answer as
public (``Cache-Control`` that lets a CDN hold it briefly, ``s-maxage``, and serve it stale while
it revalidates), gives it an ETag with 304 answers, and marks it for storing; logged-in people
(editors checking their work) get pages marked private and uncacheable. ``PageCacheMiddleware``
sits near the top of the middleware stack: it stores the marked pages with the headers the inner
middleware added (security policy, Vary) and answers the next reader's request for the same URL
from the cache before sessions, authentication, CSRF or the view run at all, as Django's own
per-site cache does. A reader is a request without a session cookie; anyone with one is sent on
to the view, which decides.

Invalidation is a "generation" number kept in the cache and part of every page key. Publishing,
updating, correcting, withdrawing or scheduling an article (the articles app connects
``on_article_event`` to its ``article_event``) and any change to the registered public data
(``newsroom.core.public_data``) bump it, so every cached page is a miss on the next request and
old entries simply expire. A scheduled article goes live without any event, so a page is never
kept past the next go-live minute of any article (``next_go_live``, answered by the articles app),
here or at an edge cache: ``s-maxage`` says so too (``capped_at``).
The generation lives in the default cache, which every process shares: the machine's file cache,
or Redis (``REDIS_URL``) across app servers, so a withdrawal made by any process (an admin
request in one gunicorn worker, the task worker, a management command) makes every worker's next
answer fresh. Keys for what each page shows can replace the one generation without changing the
middleware: only ``_cache_key`` and ``invalidate`` know how staleness is decided.

It lives in core, below every app, because it runs in front of every URL (``/api/`` and
``/admin/`` too) and the public views of several apps use ``public_page``.
"""

import functools
import hashlib
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from newsroom.core import public_data
from newsroom.core.hooks import Hook

GENERATION_KEY = "public-pages:generation"
# How long a CDN may keep a page, and serve it stale while fetching a fresh one. Short, unless the
# edge is purged by key (newsroom.core.edge): a correction must reach readers within seconds.
CDN_SECONDS = settings.PAGE_CDN_SECONDS
STALE_WHILE_REVALIDATE_SECONDS = getattr(settings, "PAGE_STALE_WHILE_REVALIDATE_SECONDS", 30)


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        # First use (or the cache was flushed): start from a fresh, unguessable point so pages
        # stored under an older generation that survived elsewhere are never read again.
        value = int(timezone.now().timestamp() * 1000)
        cache.add(GENERATION_KEY, value, timeout=None)
        value = cache.get(GENERATION_KEY, value)
    return value


def invalidate():
    """Make every cached public page stale now."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, int(timezone.now().timestamp() * 1000), timeout=None)


def on_article_event(sender, article=None, event=None, **kwargs):
    """``article_event`` receiver: any public change, or a newly scheduled go-live time."""
    invalidate()


def on_public_data_change(sender, **kwargs):
    """``public_data.changed`` receiver: things shown on public pages besides article text
    (sections, tags, bylines, images, vehicle records). Only once the change has committed: a
    reader's request between the bump and the commit would otherwise store the old page under
    the new generation."""
    transaction.on_commit(invalidate)


# Answered by the articles app: now -> when the set of live articles next changes by the clock
# alone (a scheduled article's minute), or None.
next_go_live = Hook("next go-live minute")


def capped_at(upcoming, now, seconds):
    """``seconds``, or fewer, so that a copy kept from ``now`` is gone by ``upcoming``: the next
    go-live minute (None: none), when pages change with no event to invalidate or purge them.
    The one rule for how long the page cache and the edge caches may keep a page."""
    if upcoming is None:
        return seconds
    return min(seconds, max(1, int((upcoming - now) / timedelta(seconds=1)) + 1))


def _cache_key(request):
    url = hashlib.sha256(request.get_full_path().encode("utf-8", "surrogatepass")).hexdigest()
    return f"public-page:{generation()}:{url}"


def _etag(content):
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _is_reader(request):
    user = getattr(request, "user", None)
    return not (user and user.is_authenticated)


def _may_use_cache(request):
    """A GET or HEAD from a reader without a session, while the page cache is on."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and settings.PAGE_CACHE_SECONDS > 0
    )


def public_page(view=None, *, store=True):
    """Decorate a public GET view: for anonymous readers mark the answer public and (unless
    ``store`` is False, e.g. search, whose URLs are endless) to be stored by
    ``PageCacheMiddleware``; add ETag/304 and the right Cache-Control."""

    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view_func(request, *args, **kwargs)
            response = view_func(request, *args, **kwargs)
            if not _is_reader(request):
                patch_cache_control(response, private=True, no_store=True)
                patch_vary_headers(response, ("Cookie",))
                return response
            if response.status_code in PUBLIC_STATUSES:
                now = timezone.now()
                upcoming = next_go_live(now)
                _mark_public(response, capped_at(upcoming, now, CDN_SECONDS))
                response.page_cache_timeout = capped_at(upcoming, now, settings.PAGE_CACHE_SECONDS)
            if response.status_code != 200 or response.streaming:
                return response
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            response["ETag"] = _etag(response.content)
            patch_vary_headers(response, ("Cookie",))
            response.store_in_page_cache = store
            return get_conditional_response(request, etag=response["ETag"], response=response)

        return wrapper

    return decorator(view) if view is not None else decorator


class PageCacheMiddleware:
    """Answers readers from the page cache, and stores the pages ``public_page`` marked. Placed
    after the security and static-file middleware, before sessions: a hit skips the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _may_use_cache(request):
            return self.get_response(request)
        # A hit skips CommonMiddleware, which would refuse a Host outside ALLOWED_HOSTS: refuse
        # it here (DisallowedHost is answered 400), so no cached page is served to a forged host.
        request.get_host()
        key = _cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            response = HttpResponse(cached["content"], headers=cached["headers"])
            # An edge may keep this copy no longer than what is left of its life here (which ends
            # by the next go-live minute). Entries from before this rule: a second.
            left = max(1, int(cached.get("expires_at", 0) - time.time()))
            patch_cache_control(response, s_maxage=min(CDN_SECONDS, left))
            return get_conditional_response(request, etag=response["ETag"], response=response)
        response = self.get_response(request)
        # A page that set a cookie is somebody's own; a 304 has no page to keep.
        if getattr(response, "store_in_page_cache", False) and response.status_code == 200 and not response.cookies:
            timeout = response.page_cache_timeout
            entry = {
                "content": response.content,
                "headers": dict(response.headers),
                "expires_at": time.time() + timeout,
            }
            cache.set(key, entry, timeout=timeout)
        return response


# Answers an edge may keep. Not 404: a scheduled article's URL must turn live at its minute, not
# after a CDN's copy expires.
PUBLIC_STATUSES = (200, 301, 410)


def _mark_public(response, edge_seconds):
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=edge_seconds,
        stale_while_revalidate=STALE_WHILE_REVALIDATE_SECONDS,
    )


def connect_receivers():
    public_data.changed.connect(on_public_data_change, dispatch_uid="newsroom.core.pagecache.public_data")
