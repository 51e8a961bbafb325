"""The keys of what a public answer shows, and the news that some of them changed.

A key names one thing readers see (``article-12``, ``section-3``, ``tag-7``, ``author-2``,
``vehicle-5``, ``image-9``), the stories filed under one (``section-3.stories``,
``stories_under``) or one list that any change of its kind reshapes (``home``, ``feed``,
``sitemap``, ``articles`` for any list of all articles, ``tags`` for any list of tags, …). A view
declares the keys of what it shows with ``show(request, ...)``, from the objects it already
loaded (no query of its own); ``public_page`` puts them on the response (the ``Surrogate-Key``
header, and what the page cache stores the page under), and the API does the same.

A change names the keys it touches with ``changed(keys, hard=...)``: once the transaction commits,
``newsroom.core.signals.public_keys_changed`` tells the page cache (which drops what carries
them) and any edge cache (which purges them). Each app names its models' keys when it starts
(``register``); ``changed_by`` gives the keys a saved or deleted row of a registered model touches.
"""

import contextlib
import functools
import threading

from django.db import transaction

from newsroom.core.signals import public_keys_changed, public_records_changing

HEADER = "Surrogate-Key"
HOME = "home"
FEED = "feed"
SITEMAP = "sitemap"
ARTICLES = "articles"  # any list of all live articles (latest, the API list and change feed)

_names = {}  # model label -> (prefix, plural, also), see ``register``


def register(model, prefix, also=None, plural=None):
    """Name ``model``'s keys ``<prefix>-<pk>``, and any list of its rows ``<prefix>s`` (or ``plural``).
    ``also(instance)`` gives the keys of what a row is part of (a powertrain is shown as part of
    its vehicle model)."""
    _names[model._meta.label] = (prefix, plural or f"{prefix}s", also)


def key(model, pk):
    """The key of ``model``'s row ``pk``: ``key(Tag, 7) == "tag-7"``."""
    return f"{_names[model._meta.label][0]}-{pk}"


def list_key(model):
    """The key of any list of ``model``'s rows: "tags"."""
    return _names[model._meta.label][1]


def of(instance):
    return key(type(instance), instance.pk)


def stories_under(thing):
    """The key of the list of stories filed under ``thing`` (a section, tag, author or vehicle
    model, or its key): what a story joining or leaving that list makes stale. The record's own key
    is changed only by the record (a renamed section), so a story's page showing the section's name
    is not dropped each time another story is filed under it."""
    return f"{thing if isinstance(thing, str) else of(thing)}.stories"


def changed_by(instance):
    """The keys a save or delete of ``instance`` (a registered model's row) makes stale."""
    prefix, plural, also = _names[instance._meta.label]
    keys = {f"{prefix}-{instance.pk}", plural}
    if also is not None:
        keys.update(also(instance))
    return keys


def show(request, *things):
    """Record that the answer to ``request`` shows ``things``: key strings, or model instances of
    registered models (None is skipped, for an optional image or section). ``request`` may be
    Django's or REST framework's, which wraps it."""
    request = getattr(request, "_request", request)
    shown = request.__dict__.setdefault("shown_keys", set())
    for thing in things:
        if thing is None:
            continue
        shown.add(thing if isinstance(thing, str) else of(thing))


def show_keys(request, keys):
    """``show`` for key strings alone (as stored with a read model's forms), added as they are."""
    getattr(request, "_request", request).__dict__.setdefault("shown_keys", set()).update(keys)


def shown(request):
    return frozenset(getattr(getattr(request, "_request", request), "shown_keys", ()))


def header(keys):
    """The ``Surrogate-Key`` value: space-separated, as Fastly and Varnish's xkey read it."""
    return " ".join(sorted(keys))


def changed(keys, *, hard=False, records=()):
    """Tell the caches that ``keys`` changed, once the current transaction commits (at once outside
    one). ``hard``: no stale copy may be served any more (a withdrawal). ``records``: those of
    ``keys`` whose record itself changed (a renamed tag), not only a list it heads (a tag page
    gaining a story), so that what shows the record is built again (``articles.readmodel``) or
    marked outdated at once (``public_records_changing``, ``vehicles.pages``).
    Inside ``batched()``, the keys are kept for its one message."""
    keys, records = frozenset(keys), frozenset(records)
    if not keys:
        return
    stack = _batches.__dict__.get("stack")
    if stack:
        batch = stack[-1]
        batch["keys"] |= keys
        batch["records"] |= records
        batch["hard"] = batch["hard"] or hard
        return
    if records:
        public_records_changing.send(sender=None, records=records)
    transaction.on_commit(lambda: public_keys_changed.send(sender=None, keys=keys, hard=hard, records=records))


_batches = threading.local()  # per thread: the batches open in it, innermost last


@contextlib.contextmanager
def batched():
    """Changes made inside send one message with all their keys (once the transaction commits), not
    one per row: a CSV import's batch of 200 rows would otherwise cost the caches 200 rounds of
    writes, and every edge 200 purges."""
    stack = _batches.__dict__.setdefault("stack", [])
    stack.append({"keys": set(), "records": set(), "hard": False})
    try:
        yield
    finally:
        batch = stack.pop()
    changed(batch["keys"], hard=batch["hard"], records=batch["records"])


def showing(*keys):
    """Decorate a view whose answer always shows the same kinds of things (a feed, a sitemap)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            show(request, *keys)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
