"""Search: the same interface on both databases; PostgreSQL adds stemming and ranking."""

import pytest
from django.db import connection
from django.utils.html import strip_tags
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from tests.site.conftest import rebuilt

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search needs PostgreSQL")


@pytest.fixture(autouse=True)
def every_search_answered_by_the_view(settings):
    """These tests change rows behind the workflow's back (queryset updates, which tell no cache)
    to test the search itself, and read the view's context: the page cache's part in search is
    tested with the workflow in tests/site/test_cache.py and test_lifecycle.py."""
    settings.PAGE_CACHE_SECONDS = 0


HOSTILE_QUERIES = [
    "",
    " ",
    "x" * 10_240,
    "toyota " * 1500,
    '"',
    '"unclosed quote',
    "'",
    "toyota & | ! ( ) :* <-> <2>",
    "!!!",
    "-toyota",
    "or",
    "OR AND NOT",
    "a:*",
    "\\",
    "%",
    "_",
    "%_%",
    "' OR 1=1 --",
    "'; DROP TABLE articles_article; --",
    "<script>alert(1)</script>",
    "\x00",
    "toyota\x00camry",
    "\x01\x02\x1f\x7f",
    "\u200b\u200e\u202e",
    "\ud7ff\ue000\uffff",
    "😀🚗",
    "日本 トヨタ",
    "مرحبا",
    "the the the",
    "*",
    "?q=1&page=2",
    "${jndi:ldap://x}",
    # SQLite FTS5's query syntax: operators, prefixes, column filters, NEAR groups, quotes
    "toyota AND camry",
    "toyota NOT camry",
    "NEAR(toyota camry, 2)",
    "toyota NEAR camry",
    "NEAR",
    "toyota*",
    "^toyota",
    "headline:toyota",
    "{headline body}: toyota",
    "- toyota",
    "+",
    '""""',
    'to"yo"ta',
    "ab",
    "a b c d e f g h i j k l m n o p",
    "x " * 100,
]


def titles(response):
    """The headlines of the matches shown, in their order."""
    ids = [found.pk for found in response.context["articles"]]
    headlines = dict(Article.objects.filter(pk__in=ids).values_list("pk", "headline"))
    return [headlines[pk] for pk in ids]


def test_finds_words_in_the_headline_and_highlights_them(client, newsroom):
    response = client.get("/search/", {"q": "Highlander"})
    assert response.status_code == 200
    assert newsroom["story"].headline in titles(response)
    assert "<mark>" in response.content.decode()
    assert "noindex" in response.content.decode()


def test_finds_tags_and_vehicle_names(client, newsroom):
    from articles.models import ArticleVehicle, Tag
    from vehicles.models import VehicleModel

    plain = newsroom["articles"][0]
    Article.objects.filter(pk=plain.pk).update(headline="Plain words", standfirst="", body="<p>Nothing here.</p>")
    plain.tags.set([Tag.objects.create(name="Zeppelinology", slug="zeppelinology")])
    ArticleVehicle.objects.filter(article=plain).delete()
    assert titles(client.get("/search/", {"q": "zeppelinology"})) == ["Plain words"]

    VehicleModel.objects.filter(slug="tundra").update(name="Quuxmobile")
    ArticleVehicle.objects.create(article=plain, vehicle_model=VehicleModel.objects.get(name="Quuxmobile"))
    assert "Plain words" in titles(client.get("/search/", {"q": "quuxmobile"}))


def test_short_words_are_matched_beside_long_ones(client, newsroom):
    """Words too short for SQLite's trigram index are matched with LIKE, in the same search as
    the long ones (a read built afresh, not the prepared one)."""
    for query in ["Highlander", "Highlander a", "a Highlander", "Highlander to"]:
        assert newsroom["story"].headline in titles(client.get("/search/", {"q": query})), query
    assert titles(client.get("/search/", {"q": "Highlander qx"})) == []


def test_only_live_articles_are_found(client, newsroom):
    found = titles(client.get("/search/", {"q": "Secret draft Tundra"}))
    assert "Secret draft about the Tundra" not in found
    assert "Scheduled story for next week" not in titles(client.get("/search/", {"q": "Scheduled story next week"}))


def test_no_match_and_no_query_are_normal_pages(client, newsroom):
    response = client.get("/search/", {"q": "xylophonequartz"})
    assert response.status_code == 200
    assert "No articles match" in response.content.decode()
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Type a word or two" in response.content.decode()


def test_snippets_escape_the_document_text(client, newsroom):
    article = newsroom["articles"][0]
    Article.objects.filter(pk=article.pk).update(
        body="<p>The zorblax &lt;script&gt;alert(1)&lt;/script&gt; arrives.</p>"
    )
    rebuilt(article)
    html = client.get("/search/", {"q": "zorblax"}).content.decode()
    assert "<mark>zorblax</mark>" in html.lower()
    assert "<script>alert(1)</script>" not in html


def test_snippets_keep_paragraphs_apart(client, newsroom):
    """The body's paragraphs are read as text (``html_to_text``), not glued together ("zorblax.Beta")."""
    article = newsroom["articles"][0]
    Article.objects.filter(pk=article.pk).update(
        standfirst="", body="<p>Alpha zorblax.</p><p>Beta &amp; gamma<br>delta.</p>"
    )
    rebuilt(article)
    html = " ".join(client.get("/search/", {"q": "zorblax"}).content.decode().split())
    assert "<mark>zorblax</mark>. Beta &amp; gamma delta" in html


def test_hostile_queries_get_a_normal_page(client, newsroom):
    for query in HOSTILE_QUERIES:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_very_long_query_is_shortened_with_a_notice(client, newsroom):
    response = client.get("/search/", {"q": "toyota " * 1500})
    assert response.status_code == 200
    assert "only its first 200 characters were used" in response.content.decode()


@given(query=st.text(max_size=300))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_gets_a_normal_page(client, newsroom, query):
    assert client.get("/search/", {"q": query}).status_code == 200


@on_postgres
def test_postgres_stems_and_ranks_headline_matches_first(client, newsroom):
    body_only = newsroom["articles"][0]
    Article.objects.filter(pk=body_only.pk).update(body="<p>Dealers are selling the pickup fast.</p>")
    headline = newsroom["articles"][1]
    Article.objects.filter(pk=headline.pk).update(headline="Toyota sells pickups in Japan")
    found = titles(client.get("/search/", {"q": "sell"}))
    assert found.index("Toyota sells pickups in Japan") < found.index(body_only.headline)


def snippets(response):
    return [found.snippet for found in response.context["articles"]]


@on_postgres
def test_postgres_marks_every_form_of_the_word_it_matched(client, newsroom):
    """The snippet marks the words PostgreSQL's stemmer matched, not only the letters typed."""
    article = newsroom["articles"][0]
    Article.objects.filter(pk=article.pk).update(
        standfirst="",
        body="<p>Of the batteries, one battery charged overnight; the chargers of Ohio were on offer. No Ford.</p>",
    )
    rebuilt(article)
    [snippet] = snippets(client.get("/search/", {"q": "charging battery"}))
    assert snippet == (
        "Of the <mark>batteries</mark>, one <mark>battery</mark> <mark>charged</mark> overnight; the "
        "<mark>chargers</mark> of Ohio were on offer. No Ford."
    )
    # A word of one letter marks that word, not each word beginning with it.
    Article.objects.filter(pk=article.pk).update(body="<p>The X trim has xenon lamps.</p>")
    rebuilt(article)
    [snippet] = snippets(client.get("/search/", {"q": "x trim"}))
    assert snippet == "The <mark>X</mark> <mark>trim</mark> has xenon lamps."


@on_postgres
def test_postgres_websearch_syntax(client, newsroom):
    assert newsroom["story"].headline not in titles(client.get("/search/", {"q": "Highlander -Toyota"}))
    assert newsroom["story"].headline in titles(client.get("/search/", {"q": '"US-built Camry"'}))


@on_postgres
def test_postgres_search_uses_the_stored_document_and_its_gin_index(newsroom):
    from django.contrib.postgres.search import SearchQuery

    from articles.search import stored_document

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    query = SearchQuery("toyota", search_type="websearch", config="english")
    plan = Article.objects.alias(document=stored_document()).filter(document=query).order_by().explain()
    assert "article_search_document_gin" in plan


def test_only_the_newest_matches_are_ranked_and_the_page_says_so(client, newsroom, monkeypatch):
    """A common word must not make search cost grow with the archive: the newest matches are kept."""
    from articles import search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 3)
    newest_first = sorted(newsroom["articles"], key=lambda article: article.publish_at, reverse=True)
    for article in newest_first:
        Article.objects.filter(pk=article.pk).update(headline=f"{article.headline} horsepower")
    response = client.get("/search/", {"q": "horsepower"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3
    assert {article.pk for article in response.context["articles"]} == {article.pk for article in newest_first[:3]}
    assert "The 3 most recent results for “horsepower”; add a word to find older ones." in response.text


def test_search_index_follows_every_kind_of_edit(client, newsroom):
    """PostgreSQL's stored document and SQLite's trigram index are kept by triggers: a model save
    and a queryset update both count."""
    first, second = newsroom["articles"][:2]
    first.standfirst = "A quadricycle joins the range."
    first.save(update_fields=["standfirst"])
    Article.objects.filter(pk=second.pk).update(body="<p>The velomobile arrives.</p>")
    plural_or_part = "quadricycles" if connection.vendor == "postgresql" else "QUADRICYC"  # stemmed, or a substring
    assert first.headline in titles(client.get("/search/", {"q": plural_or_part}))
    assert second.headline in titles(client.get("/search/", {"q": "velomobile"}))
    Article.objects.filter(pk=second.pk).update(body="<p>Nothing to see.</p>")
    assert second.headline not in titles(client.get("/search/", {"q": "velomobile"}))


def test_snippets_cut_at_word_boundaries(client, newsroom):
    """However the window around the match falls, the snippet starts and ends with whole words."""
    article = newsroom["articles"][0]
    filler = " ".join(f"word{n}x" for n in range(200))
    for shift in range(6):  # the cut lands in a different place of a word each time
        body = f"<p>{filler[:400]} {'b' * (3 + shift)} the zorblax arrives, the company said. {filler}</p>"
        Article.objects.filter(pk=article.pk).update(body=body, standfirst="")
        rebuilt(article)
        response = client.get("/search/", {"q": "zorblax"})
        (snippet,) = [found.snippet for found in response.context["articles"] if found.pk == article.pk]
        text = strip_tags(str(snippet)).removeprefix("… ").removesuffix(" …")
        source_words = set(strip_tags(body).split())
        assert "zorblax" in text
        assert text.split()[0] in source_words and text.split()[-1] in source_words, text


def test_stories_stored_before_their_search_text_get_it_from_a_rebuild(client, newsroom):
    """Snippets are cut from the text the read model stores (``search.stored_text``): a story
    stored with an older shape shows its card without one, never a 500, until
    ``rebuild_read_model`` stores it."""
    import io

    from django.core.management import call_command

    from articles import readmodel, search
    from articles.models import PublicArticle, Representation

    def snippet_of_the_story():
        response = client.get("/search/", {"q": "Highlander"})
        assert response.status_code == 200
        return {found.pk: str(found.snippet) for found in response.context["articles"]}[newsroom["story"].pk]

    assert "<mark>Highlander</mark>" in snippet_of_the_story()
    Representation.objects.filter(kind=search.TEXT).delete()
    PublicArticle.objects.update(shape=readmodel.SHAPE - 1)
    assert snippet_of_the_story() == ""
    call_command("rebuild_read_model", stdout=io.StringIO())
    assert "<mark>Highlander</mark>" in snippet_of_the_story()
