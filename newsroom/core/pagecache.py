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
page shows (``article-12``, ``section-3``, ``home``, …) and the page is stored with them; a change
(``cache_keys.changed``, sent once it commits as ``newsroom.core.signals.public_keys_changed``)
is written to a journal of changes in the shared cache: ``changes``, the number of the last change
(counted up by one atomic ``incr``), and under each number the keys that change touched. A page
is stored with the number of changes before it was rendered; it is current while no change since
then touched one of its keys, and every other page stays cached. The articles app sends the keys
of an article and of the lists it is on for each workflow event (published, updated, corrected,
withdrawn, scheduled), and every registered public data change (``newsroom.core.public_data``)
sends the keys of that row.

A hit must stay cheaper than a bare view, and an editor publishing every few seconds must not make
every page dear again: so each process keeps the journal entries it read (``_Journal``; written
once, they never change) and the pages it served lately (``_Recent``). A hit reads the ``changes``
counter alone; if it moved since the page's number, the process reads the entries it has not seen
yet (one ``get_many``, once per change per process, whatever the number of pages) and checks the
page's keys against them in memory. A change whose entry cannot be read (not yet written, or
evicted) counts as touching every page, never as "unchanged"; so does a page more than
``JOURNAL_WINDOW`` changes old. A scheduled article goes live without any event, so a page is
never kept past the next go-live minute of any article (``next_go_live``, answered by the
articles app), here or at an edge cache: ``s-maxage`` says so too (``capped_at``). The journal
lives in the default cache, which every process shares: the machine's file cache, or Redis
(``REDIS_URL``) across app servers, so a withdrawal made by any process (an admin request in one
gunicorn worker, the task worker, a management command) makes every worker's next answer fresh.

Some pages have endless URLs: a search page answers whatever text a reader types. Stored per URL,
a flood of distinct searches (a crawler, an attack, a typing reader) would push the article pages
out of both the shared cache and each process's copies. Such a page is registered (``Endless``,
``endless``) with what its view reads of the request (``identity``: the search's cleaned text and
page number), so that URLs giving the same answer share one entry, and is kept only in a fixed
number of slots of its own: a hash of that identity picks two of them, the page is stored in the
one holding it, an empty one or the one whose page expires first, and an entry says whose page it
is. A flood can only push out other pages of its kind, never an article page, and never takes more
than that many entries of the shared cache; two popular searches whose hashes meet rarely share
both slots, so they rarely push each other out. Invalidation is the same as for any page.

What the journal knows serves reads that are not pages too (``KeptReads``): a read is kept in the
process with the keys of what it depends on and the number of changes before it was read
(``journal_stamp``, read once per request), and given back while no change since touched those keys
and its time has not come: exactly when a kept page would still be current. A partner's poll of the
API asks whether its copy of a page is current; the page's validators (ETag and Last-Modified) cost
a read of the database, although they change only when an article on the page changes:
``known_validators`` keeps them, until the next go-live minute. A partner's API key is kept the
same way (``newsroom.syndication.authentication``), until it expires.

It lives in core, below every app, because it runs in front of every URL (``/api/`` and
``/admin/`` too) and the public views of several apps use ``public_page``.
"""

import collections
import functools
import hashlib
import secrets
import threading
import time
import typing
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from newsroom.core import cache_keys, public_data
from newsroom.core.hooks import Hook
from newsroom.core.signals import public_keys_changed

CHANGES_KEY = "public-pages:changes"  # the number of the last change
JOURNAL_KEY = "public-pages:change:"  # + a change's number: the keys it touched
# + a hash of the URL. "v2": pages stored with their keys (before, with their keys' versions; such
# pages are left to expire).
PAGE_KEY = "public-page:v2:"
# How long a CDN may keep a page, and serve it stale while fetching a fresh one. Short, unless the
# edge is purged by key (newsroom.core.edge): a correction must reach readers within seconds.
CDN_SECONDS = settings.PAGE_CDN_SECONDS
STALE_WHILE_REVALIDATE_SECONDS = getattr(settings, "PAGE_STALE_WHILE_REVALIDATE_SECONDS", 30)
# Pages each process keeps its own copy of (``_Recent``): some 20-60 KB each, so at most 20-60 MB.
# Readers' interest in stories falls off as a Zipf law: on 10,000 stories the 1,000 most read take
# three quarters of the reads, the 200 most read only three fifths.
RECENT_PAGES = 1000
# A page more changes old than this is rendered again rather than checked against each of them
# (a bulk import); each process keeps this many journal entries.
JOURNAL_WINDOW = 1000
# A journal entry outlives every page stored before it was written (their life is at most
# PAGE_CACHE_SECONDS) by this much, room for the render that was under way.
JOURNAL_MARGIN_SECONDS = 600


def _start_value():
    # The counter starts at a random number, so a counter that was evicted and started again
    # never counts through numbers a kept page or journal entry remembers.
    return secrets.randbits(62)


def _changes(found):
    """The ``changes`` counter from ``found`` (a get_many answer), started if missing; None while
    the cache cannot be read."""
    if CHANGES_KEY in found:
        return found[CHANGES_KEY]
    cache.add(CHANGES_KEY, _start_value(), timeout=None)
    return cache.get(CHANGES_KEY)


def _next_change():
    """Count one more change and return its number; None while the cache cannot be written."""
    for _attempt in range(2):
        try:
            return cache.incr(CHANGES_KEY)
        except ValueError:  # not started yet, or evicted: start it again
            cache.add(CHANGES_KEY, _start_value(), timeout=None)
    return None


def drop(keys):
    """Make every cached page that carries one of ``keys`` stale now: the next number of
    ``changes``, and under it the keys. A reader that sees the number before its keys are written
    takes the change as touching every page. Whether the change was counted (not while the shared
    cache cannot be written)."""
    number = _next_change()
    if number is not None:
        timeout = settings.PAGE_CACHE_SECONDS + JOURNAL_MARGIN_SECONDS
        cache.set(JOURNAL_KEY + str(number), frozenset(keys), timeout=timeout)
    return number is not None


class _Journal:
    """The journal entries this process read (at most ``JOURNAL_WINDOW``): the keys each change
    touched, by its number. An entry never changes once written, so it is read once per process."""

    def __init__(self):
        self.entries = {}
        self.lock = threading.Lock()

    def touched_since(self, stamp, changes):
        """The keys changes ``stamp`` + 1 to ``changes`` touched, or None if some of them cannot
        be known (too many, not written yet, or evicted): then every page stamped ``stamp`` is stale."""
        if not 0 < changes - stamp <= JOURNAL_WINDOW:
            return None
        numbers = range(stamp + 1, changes + 1)
        with self.lock:
            unread = [number for number in numbers if number not in self.entries]
        if unread:
            found = cache.get_many([JOURNAL_KEY + str(number) for number in unread])
            with self.lock:
                for number in unread:
                    if JOURNAL_KEY + str(number) in found:
                        self.entries[number] = found[JOURNAL_KEY + str(number)]
                for number in sorted(self.entries)[:-JOURNAL_WINDOW]:
                    del self.entries[number]
        with self.lock:
            touched = [self.entries.get(number) for number in numbers]
        if None in touched:
            return None
        return frozenset().union(*touched)


_journal = _Journal()


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


def read_next_go_live(request, now, upcoming):
    """Tell ``public_page`` that the view read ``next_go_live(now)`` (``upcoming``) with its page's
    data, in the same statement: the page is kept as long as what was read at ``now`` holds, and
    no read of its own is needed."""
    request.next_go_live = (now, upcoming)


def capped_at(upcoming, now, seconds):
    """``seconds``, or fewer, so that a copy kept from ``now`` is gone by ``upcoming``: the next
    go-live minute (None: none), when pages change with no event to invalidate or purge them.
    The one rule for how long the page cache and the edge caches may keep a page."""
    if upcoming is None:
        return seconds
    return min(seconds, max(1, int((upcoming - now) / timedelta(seconds=1)) + 1))


def _digest(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _current(place, entry, changes):
    """``entry`` if it is the page of ``place`` and still shows what its keys say (stamped afresh
    with ``changes`` in this process's copy, so the next check is a comparison), else None."""
    if entry.get("identity") != place.identity:  # another page of an endless kind held the slot
        return None
    if changes is None or entry["expires"] <= time.time():
        return None
    if entry["changes"] == changes:
        return entry
    touched = _journal.touched_since(entry["changes"], changes)
    if touched is None or not touched.isdisjoint(entry["keys"]):
        return None
    entry = {**entry, "changes": changes}
    place.recent.keep(place.key, entry)
    return entry


class _Recent:
    """The pages this process served or stored lately, so that a hit need not read the page from
    the shared cache again (a file read and decompression of 20-60 KB, or as many bytes from Redis:
    most of a hit's cost). A copy is served only while it is current (``_current``), exactly when
    the shared copy would be. At most ``size`` pages."""

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


class Endless:
    """A page whose URLs are endless (see the module docstring). ``identity(query_dict)`` gives
    what its answer depends on in the query string, as a string (URLs with the same identity get
    the same page), or None for a request not to be stored; ``slots``: how many such pages the
    shared cache keeps at most; ``recent``: how many of them each process keeps its own copy of."""

    def __init__(self, identity, slots, recent):
        self.identity = identity
        self.slots = slots
        self.recent = _Recent(size=recent)


# URL name -> ``Endless``: the pages registered as endless (``endless``).
_endless = {}


def endless(url_name, identity, *, slots, recent):
    """Register the page named ``url_name`` as endless (``Endless``)."""
    _endless[url_name] = Endless(identity, slots, recent)
    _endless_paths.cache_clear()


@functools.cache
def _endless_paths(urlconf):
    """Path (with the script prefix, as ``request.path``) -> ``Endless``, for the URLs of
    ``urlconf``: the URL names resolved once the URLs can be, not while the apps start. A name
    those URLs do not have is no page of theirs."""
    paths = {}
    for url_name, kind in _endless.items():
        try:
            paths[reverse(url_name, urlconf=urlconf)] = kind
        except NoReverseMatch:
            continue
    return paths


class _Place(typing.NamedTuple):
    """Where the page for a request is kept: its key among ``recent``, the process's copies;
    ``slots``, the keys of the shared cache it may be stored under (its key alone, or for an
    endless page two of its kind's slots); ``identity``, what an entry there must say it is the
    page of (None for a page with a key of its own)."""

    key: str
    recent: _Recent
    slots: tuple
    identity: str | None = None


def _place(request):
    """The ``_Place`` of the page for ``request``, or None if it is not to be kept at all."""
    kind = _endless_paths(settings.ROOT_URLCONF).get(request.path)
    if kind is None:
        key = PAGE_KEY + _digest(request.get_full_path())
        return _Place(key, _recent, (key,))
    identity = kind.identity(request.GET)
    if identity is None:
        return None
    digest, prefix = _digest(identity), f"{PAGE_KEY}{_digest(request.path)}:"
    slots = dict.fromkeys(f"{prefix}{int(digest[at : at + 16], 16) % kind.slots}" for at in (0, 16))
    return _Place(prefix + digest, kind.recent, tuple(slots), identity)


def _slot_for(place, found):
    """Which of ``place``'s slots to store its page in, given what they held (``found``): the one
    holding this page, else an empty one, else the one whose page expires first."""

    def order(slot):
        entry = found.get(slot)
        if entry is None:
            return -1
        return -2 if entry.get("identity") == place.identity else entry["expires"]

    return min(place.slots, key=order)


def _store(place, response, changes_before, found):
    # Stamped with the number of changes before the page's data was read: a change committed
    # meanwhile is in the journal after that number, so the page is checked against it.
    timeout = response.page_cache_timeout
    entry = {
        "content": response.content,
        "headers": dict(response.headers),
        "keys": frozenset(response.page_keys),
        "changes": changes_before,
        "expires": time.time() + timeout,
        "identity": place.identity,
    }
    cache.set(_slot_for(place, found), entry, timeout=timeout)
    place.recent.keep(place.key, entry)


# Answers each process keeps the validators of (``known_validators``): a partner's poll of a page of
# the API list, in each format, for each set of sections partners read.
KNOWN_VALIDATORS = 1000
# How long anything is kept in a ``KeptReads`` at most, besides any change or go-live minute: each
# journal entry is kept longer than this (``JOURNAL_MARGIN_SECONDS``), so no change of their life
# can be missed.
KEPT_READS_SECONDS = 300


def journal_stamp(request):
    """The number of changes when ``request`` first asked (None while the shared cache cannot be
    read): what a ``KeptReads`` checks its entries against, and stamps a read made after it with.
    Read once per request, whatever the number of kept reads it looks at."""
    request = getattr(request, "_request", request)  # REST framework's request wraps Django's
    try:
        return request.journal_stamp
    except AttributeError:
        request.journal_stamp = stamp = _changes(cache.get_many([CHANGES_KEY]))
        return stamp


class KeptReads:
    """Reads of the database this process keeps (see the module docstring), each with the keys of
    what it depends on: given back while no change since it was read touched those keys, its
    ``until`` time has not come, and it is at most ``seconds`` old. ``identity``: what the read
    depends on besides the database (a path, a format, the asker's rights), as a string."""

    def __init__(self, size, seconds=KEPT_READS_SECONDS):
        self.recent = _Recent(size=size)
        self.seconds = min(seconds, KEPT_READS_SECONDS)

    def current(self, identity, now, stamp):
        """(value, keys) kept for ``identity`` if still current at ``now`` with ``journal_stamp``
        ``stamp``, else None."""
        entry = self.recent.get(identity)
        if entry is None or (entry["until"] is not None and now >= entry["until"]):
            return None
        entry = _current(_Place(identity, self.recent, (), identity), entry, stamp)
        return None if entry is None else (entry["value"], entry["keys"])

    def keep(self, identity, value, keys, stamp, until):
        """Keep ``value``, read after ``journal_stamp`` ``stamp``, until a change touches one of
        ``keys`` or ``until`` comes (None: no such time)."""
        if stamp is None:
            return
        entry = {
            "value": value,
            "keys": frozenset(keys),
            "changes": stamp,
            "expires": time.time() + self.seconds,
            "until": until,
            "identity": identity,
        }
        self.recent.keep(identity, entry)


known_validators = KeptReads(size=KNOWN_VALIDATORS)


def _etag(content):
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _is_reader(request):
    user = getattr(request, "user", None)
    return not (user and user.is_authenticated)


def _may_use_cache(request):
    """A GET or HEAD from a reader without a session or credentials, while the page cache is on. A
    request with an ``Authorization`` header (a partner's, to the API) gets an answer of its own,
    never kept here: looking its URL up in the shared cache would cost it two reads for nothing."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.PAGE_CACHE_SECONDS > 0
    )


def public_page(view):
    """Decorate a public GET view: for anonymous readers mark the answer public and to be stored
    by ``PageCacheMiddleware``; add ETag/304 and the right Cache-Control."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        if not _is_reader(request):
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ("Cookie",))
            return response
        if response.status_code in PUBLIC_STATUSES:
            now, upcoming = _next_go_live(request)
            _mark_public(request, response, capped_at(upcoming, now, CDN_SECONDS))
            response.page_cache_timeout = capped_at(upcoming, now, settings.PAGE_CACHE_SECONDS)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        response["ETag"] = _etag(response.content)
        patch_vary_headers(response, ("Cookie",))
        response.store_in_page_cache = True
        return get_conditional_response(request, etag=response["ETag"], response=response)

    return wrapper


def _next_go_live(request):
    """(now, ``next_go_live(now)``): as the view read it (``read_next_go_live``), else read now."""
    known = request.__dict__.get("next_go_live")
    if known is not None:
        return known
    now = timezone.now()
    return now, next_go_live(now)


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
        place = _place(request)
        if place is None:
            return self.get_response(request)
        recent = place.recent.get(place.key)
        if recent is not None:  # the counter alone tells whether this process's copy is current
            changes = _changes(cache.get_many([CHANGES_KEY]))
            entry = _current(place, recent, changes)
            if entry is not None:
                return _answer(request, entry)
            found = {CHANGES_KEY: changes, **cache.get_many(place.slots)}
        else:
            found = cache.get_many([CHANGES_KEY, *place.slots])
        changes = _changes(found)
        for slot in place.slots:
            entry = found.get(slot)
            if entry is not None and (entry := _current(place, entry, changes)) is not None:
                place.recent.keep(place.key, entry)
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
            _store(place, response, changes, found)
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
