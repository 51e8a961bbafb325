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

Invalidation is by key (``newsroom.core.cache_keys``). Each view declares the keys of what its
page shows (``article-12``, ``section-3``, ``home``, …); the page is stored with the version each
of its keys had, and a change (``cache_keys.changed``, sent once it commits as
``newsroom.core.signals.public_keys_changed``) renews the versions of the keys it touches, so the
pages that carry them are misses on their next request and every other page stays cached. The
articles app sends the keys of an article and of the lists it is on for each workflow event
(published, updated, corrected, withdrawn, scheduled), and every registered public data change
(``newsroom.core.public_data``) sends the keys of that row.

A hit must stay cheaper than a bare view, so it does not read all its keys' versions each time:
one value, ``changes``, is renewed before and after every change's key versions, and a page
stamped with the current ``changes`` is current without looking further: one ``get_many`` of
the page and the counter, as before. Only the first hit of a page after some change anywhere reads
its keys' versions (one more ``get_many``) and, if none moved, stamps the page afresh. Each
process also keeps its own copies of the pages it served lately (``_Recent``): while a copy's
stamp is the current ``changes``, a hit reads the counter alone, not the page. A page
rendered while a change was being made is not stored (``changes`` moved meanwhile). A scheduled
article goes live without any event, so a page is never kept past the next go-live minute of
any article (``next_go_live``, answered by the articles app), here or at an edge cache:
``s-maxage`` says so too (``capped_at``). Versions and the counter live in
the default cache, which every process shares: the machine's file cache, or Redis
(``REDIS_URL``) across app servers, so a withdrawal made by any process (an admin request in one
gunicorn worker, the task worker, a management command) makes every worker's next answer fresh.
A version that was evicted reads as a change, never as "unchanged".

It lives in core, below every app, because it runs in front of every URL (``/api/`` and
``/admin/`` too) and the public views of several apps use ``public_page``.
"""

import collections
import functools
import hashlib
import secrets
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from newsroom.core import cache_keys, public_data
from newsroom.core.hooks import Hook
from newsroom.core.signals import public_keys_changed

CHANGES_KEY = "public-pages:changes"
VERSION_KEY = "public-pages:key:"  # + a key from cache_keys: that key's version
PAGE_KEY = "public-page:"  # + a hash of the URL
# How long a CDN may keep a page, and serve it stale while fetching a fresh one. Short, unless the
# edge is purged by key (newsroom.core.edge): a correction must reach readers within seconds.
CDN_SECONDS = settings.PAGE_CDN_SECONDS
STALE_WHILE_REVALIDATE_SECONDS = getattr(settings, "PAGE_STALE_WHILE_REVALIDATE_SECONDS", 30)
# Pages each process keeps its own copy of (``_Recent``): at most some 20-60 KB each.
RECENT_PAGES = 200


def _new_value():
    # Versions and the counter are only compared for equality: a fresh random value marks a
    # change with one plain write (no read-modify-write, so no lock on the file cache), and a
    # counter that was evicted and started again never comes back to a value a page remembers.
    return secrets.randbits(62)


def _changes(found):
    """The ``changes`` counter from ``found`` (a get_many answer), started if missing; None while
    the cache cannot be read."""
    if CHANGES_KEY in found:
        return found[CHANGES_KEY]
    cache.add(CHANGES_KEY, _new_value(), timeout=None)
    return cache.get(CHANGES_KEY)


def drop(keys):
    """Make every cached page that carries one of ``keys`` stale now. ``changes`` moves before and
    after the versions, so a page stored or re-stamped while this runs is checked again. The
    versions are deleted rather than renewed: a missing version reads as a change, the next page
    stored starts it afresh, and keys no cached page carries (most rows' own keys) leave nothing
    behind in the cache."""
    cache.set(CHANGES_KEY, _new_value(), timeout=None)
    cache.delete_many([VERSION_KEY + key for key in keys])
    cache.set(CHANGES_KEY, _new_value(), timeout=None)


def on_public_keys_changed(sender, keys, hard=False, **kwargs):
    """``public_keys_changed`` receiver (sent after the commit). The page cache never serves a
    stale copy, so ``hard`` changes nothing here."""
    drop(keys)


def on_public_data_change(sender, instance, **kwargs):
    """``public_data.changed`` receiver: things shown on public pages besides article text
    (sections, tags, bylines, images, vehicle records). Only once the change has committed: a
    reader's request between the bump and the commit would otherwise store the old page again."""
    keys = cache_keys.changed_by(instance)
    cache_keys.changed(keys, records=keys)


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


def _page_key(request):
    return PAGE_KEY + hashlib.sha256(request.get_full_path().encode("utf-8", "surrogatepass")).hexdigest()


def _versions(keys):
    """{version name: value} of ``keys`` now, starting those never bumped; None if the cache
    cannot be read (a page without its versions is never stored)."""
    names = [VERSION_KEY + key for key in keys]
    found = cache.get_many(names)
    missing = [name for name in names if name not in found]
    if missing:
        for name in missing:
            cache.add(name, _new_value(), timeout=None)
        found.update(cache.get_many(missing))
    return found if len(found) == len(names) else None


def _is_current(page_key, entry, changes):
    """Whether ``entry`` still shows what its keys say; stamps it with ``changes`` if so."""
    if entry["changes"] == changes:
        return True
    if cache.get_many(list(entry["versions"])) != entry["versions"]:
        return False
    remaining = int(entry["expires"] - time.time())
    if remaining > 0:
        entry = {**entry, "changes": changes}
        cache.set(page_key, entry, timeout=remaining)
        _recent.keep(page_key, entry)
    return True


class _Recent:
    """The pages this process served or stored lately, so that a hit need not read the page from
    the shared cache again (a file read and decompression of 20-60 KB, or as many bytes from Redis:
    most of a hit's cost). A copy is served only while it is stamped with the current ``changes``
    (read from the shared cache at each request, as before) and not expired: exactly when the
    shared copy would be served without looking further. At most ``size`` pages."""

    def __init__(self, size):
        self.size = size
        self.pages = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, page_key):
        with self.lock:
            entry = self.pages.get(page_key)
            if entry is not None:
                self.pages.move_to_end(page_key)
            return entry

    def keep(self, page_key, entry):
        with self.lock:
            self.pages[page_key] = entry
            self.pages.move_to_end(page_key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


_recent = _Recent(size=RECENT_PAGES)


def _store(page_key, response, changes_before):
    # Versions first, then ``changes``: if a change began after the page's data was read, the
    # counter moved and the page is not stored (the next request renders it again).
    versions = _versions(response.page_keys)
    if versions is None or cache.get(CHANGES_KEY) != changes_before:
        return
    timeout = response.page_cache_timeout
    entry = {
        "content": response.content,
        "headers": dict(response.headers),
        "versions": versions,
        "changes": changes_before,
        "expires": time.time() + timeout,
    }
    cache.set(page_key, entry, timeout=timeout)
    _recent.keep(page_key, entry)


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
                _mark_public(request, response, capped_at(upcoming, now, CDN_SECONDS))
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
        page_key = _page_key(request)
        recent = _recent.get(page_key)
        if recent is not None:  # the counter alone tells whether this process's copy is current
            changes = _changes(cache.get_many([CHANGES_KEY]))
            if recent["changes"] == changes and recent["expires"] > time.time():
                return _answer(request, recent)
        found = cache.get_many([CHANGES_KEY, page_key])
        changes = _changes(found)
        entry = found.get(page_key)
        if entry is not None and _is_current(page_key, entry, changes):
            _recent.keep(page_key, entry)
            return _answer(request, entry)
        response = self.get_response(request)
        # A page that set a cookie is somebody's own; a 304 has no page to keep; a page that
        # declared no keys could not be made stale by any change.
        if (
            getattr(response, "store_in_page_cache", False)
            and response.status_code == 200
            and not response.cookies
            and getattr(response, "page_keys", None)
            and changes is not None
        ):
            _store(page_key, response, changes)
        return response


def _answer(request, entry):
    response = HttpResponse(entry["content"], headers=entry["headers"])
    # An edge may keep this copy no longer than what is left of its life here (which ends by the
    # next go-live minute).
    left = max(1, int(entry["expires"] - time.time()))
    patch_cache_control(response, s_maxage=min(CDN_SECONDS, left))
    return get_conditional_response(request, etag=response["ETag"], response=response)


# Answers an edge may keep. Not 404: a scheduled article's URL must turn live at its minute, not
# after a CDN's copy expires.
PUBLIC_STATUSES = (200, 301, 410)


def _mark_public(request, response, edge_seconds):
    """Cache-Control for an edge cache or CDN, and the keys the view declared: ``Surrogate-Key``
    for the edge, ``page_keys`` for storing the page here."""
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=edge_seconds,
        stale_while_revalidate=STALE_WHILE_REVALIDATE_SECONDS,
    )
    keys = cache_keys.shown(request)
    if keys:
        response[cache_keys.HEADER] = cache_keys.header(keys)
        response.page_keys = keys


def connect_receivers():
    public_data.changed.connect(on_public_data_change, dispatch_uid="newsroom.core.pagecache.public_data")
    public_keys_changed.connect(on_public_keys_changed, dispatch_uid="newsroom.core.pagecache.public_keys")
