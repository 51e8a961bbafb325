"""Search over live articles: one interface, two engines.

On PostgreSQL: full-text search with English stemming and ranking (headline weighs most, then
standfirst, then the body). The weighted document is stored per article and GIN-indexed
(``articles/migrations/0006_search_document.py``); tags and vehicle names are matched through
their own small tables.

On SQLite: every word must appear (case-insensitively) in one of the same fields, looked up in a
trigram index of the articles' text (``articles/migrations/0013_sqlite_search_index.py``), so a
search no longer reads every live article's body; snippets are cut around the first match in
Python.

Snippets on either database are cut from each story's plain text as the read model stores it
(``stored_text``), read with the page's stored cards in one query: a search converts no HTML
per request, and shows the text of the version served (scheduled changes at their minute).

Either way only the newest ``MAX_CANDIDATES`` matches of each kind (text, tag, vehicle) are
ranked and paged: a common word matches a large share of the archive, and ranking or counting
all of it would make every search cost grow with the archive. The page says when it is capped.

Whatever the reader types (nothing, 10 kB, quotes, operators, control characters) becomes a
plain query of at most ``MAX_QUERY_CHARS`` characters; websearch syntax never raises.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import connection, models
from django.db.models import Func, Q, Value
from django.db.models.expressions import Expression
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles import presentation, readmodel
from articles.models import Article, ArticleVehicle, KeyAmong, PublicArticle, Tag
from newsroom.core import cache_keys
from newsroom.core.prepared import Prepared, Shape
from newsroom.core.text import html_to_text
from vehicles.models import Make, VehicleModel

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MAX_CANDIDATES = 500
SNIPPET_CHARS = 240
# The read model's form holding each story's ``snippet_source`` (``stored_text``).
TEXT = "search-text"
CONFIG = "english"
_WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)
# SQLite's trigram index of each article's headline, standfirst and body (migration 0013), and the
# shortest word it can look up: shorter ones are matched with LIKE.
TRIGRAM_INDEX = "articles_article_search"
TRIGRAM = 3


class StoredDocument(Expression):
    """The article's stored, weighted search document (PostgreSQL only; see the module docstring).
    Not a model field, so Django never loads it; compiled against whichever alias the article
    table has in the query at hand (a subquery renames it)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.search_document", []


def stored_document():
    return StoredDocument()


@dataclass
class CleanQuery:
    text: str
    truncated: bool

    def __bool__(self):
        return bool(self.text)


def clean_query(raw):
    """Control and format characters become spaces, whitespace collapses, length is capped."""
    text = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in raw or "")
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUERY_CHARS
    return CleanQuery(text[:MAX_QUERY_CHARS].strip(), truncated)


def records_matched():
    """The keys of the records besides articles whose names a search matches (tags, vehicle
    models, makes): a rename of one changes which articles a search finds."""
    return tuple(cache_keys.list_key(model) for model in (Tag, VehicleModel, Make))


def search_articles(query, now=None):
    """The ids of the live articles matching ``query`` (a CleanQuery) at ``now``, best first: one
    query, which the page counts and slices. ``page_of`` loads the page of them that is shown."""
    if not query:
        return []
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _postgres_search(query.text, now)
    return _simple_search(query.text, now)


@dataclass
class Found:
    """A match on the page shown: its stored search card with the snippet in place."""

    pk: int
    lead_image_id: int | None
    snippet: str
    card: str


def page_of(ids, query, now=None):
    """The live articles among ``ids`` (a page of ``search_articles``), in that order, as ``Found``:
    each stored search card with its snippet (safe HTML with <mark> around matches, ``_snippet``),
    cut from the stored plain text of its standfirst and body (``stored_text``), as served at
    ``now``. One query; on PostgreSQL its rows also carry the query's lexemes."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        rows = list(_PAGE_WITH_LEXEMES(now=now, ids=ids, text=query.text))
        found = {pk: (lead_image_id, card, text) for pk, lead_image_id, card, text, _ in rows}
        matches = _stemmed(rows[0][4]) if rows else None
    else:
        found = {pk: row for pk, *row in _PAGE(now=now, ids=ids)}
        matches = _as_typed(query.text)
    page = []
    for pk in ids:
        if pk not in found:
            continue
        # No text before ``rebuild_read_model`` stored it (readmodel.SHAPE 3): the card shows alone.
        lead_image_id, card, text = found[pk]
        snippet = _snippet(text or "", matches)
        page.append(Found(pk, lead_image_id, snippet, presentation.fill_snippet(card, snippet)))
    return page


def _page_read(now, ids, text=None):
    """The read ``page_of`` runs: the live stories among ``ids`` with their stored search cards and
    stored text, and with ``text`` (PostgreSQL) the lexemes its query is made of, as
    ``tsquery`` text (``'charg' & 'camri'``)."""
    stories = readmodel.with_form(
        readmodel.with_card(PublicArticle.objects.live(now).filter(pk__in=ids), "search", now=now),
        TEXT,
        name="text",
        now=now,
    )
    if text is None:
        return stories.values_list("pk", "lead_image_id", "card", "text")
    return stories.annotate(lexemes=Cast(_websearch(text), models.TextField())).values_list(
        "pk", "lead_image_id", "card", "text", "lexemes"
    )


# Compiled once per connection and number of results shown (``newsroom.core.prepared``): building
# the read with its two stored forms cost the ORM more than the database takes to answer it.
_PAGE = Prepared(_page_read, now=models.DateTimeField(), ids=[models.IntegerField()])
_PAGE_WITH_LEXEMES = Prepared(
    _page_read, now=models.DateTimeField(), ids=[models.IntegerField()], text=models.TextField()
)


def snippet_source(article):
    """What search snippets are cut from: the standfirst (plain text already), then the body's
    paragraphs as text (``html_to_text``), as one single-spaced line."""
    return " ".join(f"{article.standfirst} {html_to_text(article.body)}".split())


def stored_text(articles):
    """The read model's builder (``readmodel.register``): each article's ``snippet_source``,
    stored with its other forms so that a search converts no HTML per request (the conversion
    was half of a search's time, ~0.5 ms per result) and its snippets show the version served."""
    return {article.pk: {TEXT: snippet_source(article)} for article in articles}


def _newest(matches, limit):
    """The newest ``limit`` of ``matches``, as a subquery of ids."""
    return matches.order_by("-publish_at", "-id").values("pk")[:limit]


def _linked(tags, vehicles):
    """The ids of the articles tagged with one of ``tags`` and of those about one of ``vehicles``
    (querysets of the matching records), as two subqueries. The records are matched first, in
    their own small tables, and their links then read by the links' record index. Matching the
    name through a join from every link row read all of them, whose number grows with the
    archive: PostgreSQL computed a tag's or vehicle's tsvector once per link row (40,000 tag
    links at 10,000 articles), and SQLite, without statistics (``ANALYZE``), scanned every link
    (7-12 ms of a 15-25 ms search)."""
    tagged = Article.tags.through.objects.filter(tag__in=tags.values("pk")).values("article_id")
    about = ArticleVehicle.objects.filter(vehicle_model__in=vehicles.values("pk")).values("article_id")
    return tagged, about


def _websearch(text):
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def _postgres_search(text, now):
    return _POSTGRES_SEARCH(now=now, text=text, limit=MAX_CANDIDATES)


def _postgres_read(now, text, limit):
    """The read ``_postgres_search`` runs (PostgreSQL), built from placeholders (``Prepared``): the
    newest ``limit`` live articles whose document matches ``text``, as many tagged with a tag it
    matches and as many about a vehicle it matches, ranked."""
    search_query = _websearch(text)
    tags = Tag.objects.annotate(vector=SearchVector("name", config=CONFIG)).filter(vector=search_query)
    vehicles = VehicleModel.objects.annotate(vector=SearchVector("make__name", "name", config=CONFIG)).filter(
        vector=search_query
    )
    tagged, about = _linked(tags, vehicles)
    base = Article.objects.live(now)
    by_text = _newest(base.alias(document=stored_document()).filter(document=search_query), limit)
    candidates = by_text.union(_newest(base.filter(pk__in=tagged), limit), _newest(base.filter(pk__in=about), limit))
    ranked = (
        # Looked up by key (``KeyAmong``), not hashed against a scan of every live article's row
        # with its document (19 of 40 ms at 10,000 articles, and growing with the archive).
        base.filter(KeyAmong(candidates.order_by()))
        .annotate(rank=SearchRank(stored_document(), search_query))
        .order_by("-rank", "-publish_at", "-id")
    )
    return ranked.values_list("pk", flat=True)


# Compiled once per connection (``newsroom.core.prepared``): the ORM took longer to build and
# compile this read of three unions than PostgreSQL took to run it. Planned for each query's words
# (``planned_each_time``): how many articles they match decides the plan (a common word's newest
# matches read newest first, a rare word's from the GIN index), and a generic plan parsed the query
# again for every row it ranked (17.8 ms against 7.6 ms for "software" at 10,000 articles).
_POSTGRES_SEARCH = Prepared(
    _postgres_read, planned_each_time=True, now=models.DateTimeField(), text=models.TextField(), limit=Shape()
)


def _simple_search(text, now):
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return []
    values = {
        "now": now,
        "words": words,
        "phrases": ['"{}"'.format(word.replace('"', '""')) for word in words],  # each quoted, in FTS5's syntax
        "short": tuple(len(word) < TRIGRAM for word in words),
        "limit": MAX_CANDIDATES,
    }
    if any(values["short"]):
        # Built afresh: each mix of short and long words is another read, and a connection
        # compiling one per mix a reader can type would keep thousands of them.
        return list(_simple_read(**values | {"phrases": [Value(phrase) for phrase in values["phrases"]]}))
    return _SIMPLE_SEARCH(**values)


def _simple_read(now, words, phrases, short, limit):
    """The read ``_simple_search`` runs (SQLite), built from placeholders (``Prepared``): every
    word (``words``, and ``phrases``, the same quoted for the trigram index) inside the text, a
    tag or a vehicle name; ``short`` says which words are too short for the trigram index; the
    newest ``limit`` of the matches."""
    # The stored stories (``PublicArticle``: small rows, the same live rule) are ordered newest
    # first by their own index, without reading the articles' bodies.
    matches = PublicArticle.objects.live(now)
    for word, phrase, is_short in zip(_each(words), _each(phrases), short, strict=True):
        # Separate id lists for tags and vehicles: joining them to every article would multiply
        # the rows whose text is scanned.
        tagged, about = _linked(
            Tag.objects.filter(name__icontains=word),
            VehicleModel.objects.filter(Q(name__icontains=word) | Q(make__name__icontains=word)),
        )
        matches = matches.filter(_in_text(word, phrase, is_short) | Q(pk__in=tagged) | Q(pk__in=about))
    return matches.order_by("-publish_at", "-pk").values_list("pk", flat=True)[:limit]


def _each(values):
    """The placeholders of a list of values in a prepared read (``Prepared``), or the values."""
    return values.each() if hasattr(values, "each") else values


# Compiled once per connection and number of words (``newsroom.core.prepared``) when every word is
# long enough for the trigram index: building and compiling the read cost the ORM more than
# SQLite takes to answer it (~2.9 ms of Python against ~2.3 ms of SQL at 10,000 articles).
_SIMPLE_SEARCH = Prepared(
    _simple_read,
    now=models.DateTimeField(),
    words=[models.TextField()],
    phrases=[models.TextField()],
    short=Shape(),
    limit=Shape(),
)


def _in_text(word, phrase, short):
    """Stored stories whose article has ``word`` inside its headline, standfirst or body, in any
    case (SQLite): from the trigram index, whose phrase query (``phrase``, the word quoted) is a
    substring match like LIKE's (and folds the case of non-ASCII letters too, which LIKE does
    not); a word too ``short`` for the index with LIKE."""
    if short:
        return (
            Q(article__headline__icontains=word)
            | Q(article__standfirst__icontains=word)
            | Q(article__body__icontains=word)
        )
    # The reader's word is a parameter; the table name a constant.
    in_index = f"SELECT rowid FROM {TRIGRAM_INDEX} WHERE {TRIGRAM_INDEX} MATCH %(expressions)s"  # noqa: S608
    return Q(pk__in=Func(phrase, template=in_index))


def _as_typed(text):
    """What SQLite matched: each of the reader's words, anywhere, in any case."""
    words = sorted({word.lower() for word in _WORD.findall(text)[:MAX_WORDS]}, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words), re.I) if words else None


# A lexeme in ``tsquery`` text (quotes doubled inside), and a part of the query negated ("-ford",
# '-"model year"'), whose words a matching story does not have.
_LEXEME = re.compile(r"'((?:[^']|'')*)'")
_NEGATED = re.compile(r"!(?:'(?:[^']|'')*'|\([^()]*\))")
SHORT_STEM = 4


def _stemmed(lexemes):
    """The words PostgreSQL's English stemmer makes one of ``lexemes`` (``tsquery`` text) from,
    whole: those that begin with the lexeme, but for its last letter where the stemmer may
    have changed it ("batteri" from "battery" and "batteries", "hope" from "hoping"). A little
    wider than the stemmer ("charg" also marks "charger"), and narrower only for its few
    irregular words ("sky" from "skies")."""
    stems = {lexeme.replace("''", "'") for lexeme in _LEXEME.findall(_NEGATED.sub(" ", lexemes or "")) if lexeme}
    if not stems:
        return None
    last_letter = {"i": "[iy]", "e": "e?"}
    words = [
        # A short word is one the stemmer leaves whole but for a plural ("car" from "cars"): "o"
        # from "O'Neil" must not mark every word that begins with an o.
        re.escape(stem) + r"(?:'?e?s)?\b"
        if len(stem) < SHORT_STEM
        else re.escape(stem[:-1]) + last_letter.get(stem[-1], re.escape(stem[-1])) + r"\w*"
        for stem in stems
    ]
    return re.compile(r"(?<!\w)(?:{})".format("|".join(sorted(words, key=len, reverse=True))), re.I)


def _whole_words(source, start):
    """(start, end) of about ``SNIPPET_CHARS`` of ``source`` (single-spaced) from ``start``, moved
    inwards so that no word is cut: readers see "… the company said", never "… e company said"."""
    end = min(len(source), start + SNIPPET_CHARS)
    if start > 0 and source[start - 1] != " ":
        space = source.find(" ", start, end)
        start = space + 1 if space >= 0 else start
    if end < len(source) and source[end] != " ":
        space = source.rfind(" ", start, end)
        end = space if space > start else end
    return start, end


def _snippet(source, matches):
    """About ``SNIPPET_CHARS`` of ``source`` (``snippet_source``) from a little before the first
    of ``matches`` (a pattern, or None) found in it, with each of them marked."""
    first = matches.search(source) if matches else None
    start, end = _whole_words(source, max(0, first.start() - SNIPPET_CHARS // 3) if first else 0)
    excerpt = source[start:end]
    prefix = "… " if start else ""
    suffix = " …" if end < len(source) else ""
    pieces, position = [escape(prefix)], 0
    for match in matches.finditer(excerpt) if matches else ():
        pieces += [escape(excerpt[position : match.start()]), f"<mark>{escape(match.group(0))}</mark>"]
        position = match.end()
    pieces += [escape(excerpt[position:]), escape(suffix)]
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of reader or document text is escaped
