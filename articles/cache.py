"""The public page cache: whole pages for anonymous readers, keyed per URL, thrown away at once
when readers must see something new.

Invalidation is a "generation" number kept in the cache and part of every page key. Publishing,
updating, correcting, withdrawing or scheduling an article (``articles.signals.article_event``)
bumps it, so every cached page is a miss on the next request and old entries simply expire.
A scheduled article goes live without any event, so a page is never kept past the next go-live
minute of any article (``next_go_live``). With several app servers the cache must be shared
(``REDIS_URL``); the local-memory default is right for one process.

Every public response also gets an ETag (a hash of the page) with 304 answers to conditional
requests, and ``Cache-Control`` that lets a CDN hold it briefly (``s-maxage``) and serve it stale
while it revalidates. Logged-in people (editors checking their work) never get a cached page and
their pages are marked private and uncacheable.
"""

import functools
import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

GENERATION_KEY = "public-pages:generation"
# How long a CDN may keep a page, and serve it stale while fetching a fresh one. Short, because
# a correction must reach readers within seconds of the CDN's next revalidation.
CDN_SECONDS = getattr(settings, "PAGE_CDN_SECONDS", 60)
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
    """post_save / post_delete receiver for things shown on public pages besides article text
    (sections, tags, bylines, images, vehicle records)."""
    invalidate()


def next_go_live(now):
    """When the set of live articles next changes by the clock alone (a scheduled article's
    minute), or None. Articles that are not scheduled have no future publish_at, or only make
    pages expire a little early."""
    from articles.models import Article

    return Article.objects.filter(publish_at__gt=now).aggregate(next=Min("publish_at"))["next"]


def page_timeout(now):
    timeout = settings.PAGE_CACHE_SECONDS
    upcoming = next_go_live(now)
    if upcoming is not None:
        timeout = min(timeout, max(1, int((upcoming - now) / timedelta(seconds=1)) + 1))
    return timeout


def _cache_key(request):
    url = hashlib.sha256(request.get_full_path().encode("utf-8", "surrogatepass")).hexdigest()
    return f"public-page:{generation()}:{url}"


def _etag(content):
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _is_reader(request):
    user = getattr(request, "user", None)
    return not (user and user.is_authenticated)


def public_page(view=None, *, store=True):
    """Decorate a public GET view: cache it for anonymous readers (unless ``store`` is False,
    e.g. search, whose URLs are endless), add ETag/304 and the right Cache-Control."""

    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view_func(request, *args, **kwargs)
            if not _is_reader(request):
                response = view_func(request, *args, **kwargs)
                patch_cache_control(response, private=True, no_store=True)
                patch_vary_headers(response, ("Cookie",))
                return response

            # PAGE_CACHE_SECONDS=0 turns the page cache off: no lookups, no next-go-live query.
            key = _cache_key(request) if store and settings.PAGE_CACHE_SECONDS > 0 else None
            cached = cache.get(key) if key else None
            if cached is not None:
                response = HttpResponse(cached["content"], content_type=cached["content_type"])
                response["ETag"] = cached["etag"]
            else:
                response = view_func(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    _mark_public(response)
                    return response
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                response["ETag"] = _etag(response.content)
                if key:
                    now = timezone.now()
                    entry = {
                        "content": response.content,
                        "content_type": response["Content-Type"],
                        "etag": response["ETag"],
                    }
                    cache.set(key, entry, timeout=page_timeout(now))
            _mark_public(response)
            patch_vary_headers(response, ("Cookie",))
            return get_conditional_response(request, etag=response["ETag"], response=response)

        return wrapper

    return decorator(view) if view is not None else decorator


def _mark_public(response):
    # Not 404: a scheduled article's URL must turn live at its minute, not after a CDN's copy expires.
    if response.status_code in (200, 301, 410):
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            s_maxage=CDN_SECONDS,
            stale_while_revalidate=STALE_WHILE_REVALIDATE_SECONDS,
        )


# Records shown on public pages besides the article itself, as "app_label.ModelName".
PUBLIC_DATA_MODELS = (
    "articles.Section",
    "articles.Tag",
    "articles.Author",
    "media.Image",
    "vehicles.Make",
    "vehicles.VehicleModel",
    "vehicles.Powertrain",
    "vehicles.ModelYear",
    "vehicles.Plant",
    "vehicles.Market",
    "vehicles.MarketAvailability",
)


def connect_receivers():
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from articles.signals import article_event

    article_event.connect(on_article_event, dispatch_uid="articles.cache.article_event")
    for label in PUBLIC_DATA_MODELS:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(on_public_data_change, sender=model, dispatch_uid=f"articles.cache.{signal}.{label}")
