"""Public pages for readers: home, article, section, tag, author, latest, search, robots.txt.

Stories and cards are written as the read model stored them (``articles.readmodel``), live ones
only (``PublicArticle.objects.live``, the same rule as ``Article.objects.live``): each page runs a
fixed, small number of queries and renders no card or story template. Anonymous pages go through
``newsroom.core.pagecache``.

The admin preview renders ``articles/article_detail.html`` with
``{"article": article, **article_page_context(article)}`` (``articles.presentation``); the
template also renders with only ``article`` (without the vehicles box, related articles and metadata).
"""

import json
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles import cache_keys as article_keys
from articles import readmodel
from articles import search as article_search
from articles.models import Article, Author, PublicArticle, SlugRedirect, Tag
from articles.presentation import NavSections, article_page_context, nav_sections, sections_from  # noqa: F401 - the preview's
from newsroom.core import cache_keys
from newsroom.core.pagecache import public_page, read_next_go_live
from newsroom.core.prepared import Prepared, Stored
from newsroom.core.site import absolute_url

PAGE_SIZE = 20
SECTION_BLOCK_SIZE = 4
LATEST_ON_HOME = 8


def paginate(request, queryset):
    """A page of ``queryset``; anything but an existing page number is a 404 (no soft 404s)."""
    raw = request.GET.get("page", "1")
    try:
        return Paginator(queryset, PAGE_SIZE, allow_empty_first_page=True).page(raw)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.")


def _page_url(request, number):
    return request.path if number == 1 else f"{request.path}?page={number}"


def list_context(request, page):
    return {
        "page_obj": page,
        "articles": page.object_list,
        "canonical_url": absolute_url(_page_url(request, page.number)),
        "previous_url": _page_url(request, page.previous_page_number()) if page.has_previous() else None,
        "next_url": _page_url(request, page.next_page_number()) if page.has_next() else None,
    }


# The front page's read, compiled once per connection (``newsroom.core.prepared``), one statement:
# the newest few with their stored cards in both forms the top of the page may show them in (each
# row also carrying the navigation's sections and the next go-live minute, so that no statement of
# its own reads them), then each section's newest few with their block cards, whatever sections
# there are (``newest_in_each_section``; they were a second statement). Rows come in that order, newest first
# in each part: (in_blocks, id, section id, picture id, stored go-live time, card, lead card,
# next change, sections).
def _home_read(now):
    live = PublicArticle.objects.live(now)
    top = readmodel.with_card(
        readmodel.with_card(
            PublicArticle.objects.filter(pk__in=live.values("pk")[:LATEST_ON_HOME]), "compact", name="card", now=now
        ),
        "lead",
        name="lead",
        now=now,
    ).annotate(
        in_blocks=models.Value(False),
        next_change=readmodel.next_change_at(now),
        sections=NavSections(),
    )
    blocks = readmodel.with_card(live.newest_in_each_section(SECTION_BLOCK_SIZE), "block", now=now).annotate(
        in_blocks=models.Value(True),
        lead=models.Value(None, models.TextField()),
        next_change=models.Value(None, models.DateTimeField()),
        sections=models.Value(None, models.TextField()),
    )
    columns = ["in_blocks", "pk", "section_id", "lead_image_id", "stored_publish_at", "card", "lead"]
    columns += ["next_change", "sections"]
    stored_publish_at = Stored("publish_at", output_field=models.DateTimeField())  # ordered by, never shown
    return (
        top.annotate(stored_publish_at=stored_publish_at)
        .order_by()
        .values_list(*columns)
        .union(blocks.annotate(stored_publish_at=stored_publish_at).order_by().values_list(*columns), all=True)
        .order_by("in_blocks", "-stored_publish_at", "-pk")
    )


_HOME = Prepared(_home_read, as_stored=(4,), now=models.DateTimeField())


@require_safe
@public_page
def home(request):
    now = timezone.now()
    latest, in_blocks = [], []
    for in_block, *row in _HOME(now=now):
        (in_blocks if in_block else latest).append(row)
    # Rows of ``latest``: (id, section id, picture id, go-live as stored, compact card, lead card,
    # next change, sections); of ``in_blocks`` the same with the block card and no more.
    lead = next((row for row in latest if row[2]), latest[0] if latest else None)
    lead_id = lead[0] if lead else None
    if latest:
        read_next_go_live(request, now, latest[0][6])
        sections = sections_from(latest[0][7])
    else:  # nothing live: no row carried them
        sections = nav_sections()
    blocks = {section.pk: [] for section in sections}
    shown = [(pk, image_id) for pk, _, image_id, *_ in latest]  # the lead is one of them
    for pk, section_id, image_id, _, card, *_ in in_blocks:
        if pk != lead_id:  # already at the top of the page
            blocks[section_id].append(readmodel.stored_html(card))
            shown.append((pk, image_id))
    cache_keys.show(request, cache_keys.HOME)
    article_keys.show_stored_cards(request, shown)
    return render(
        request,
        "articles/home.html",
        {
            # Stored cards, rendered from templates (``articles.readmodel``).
            "lead": readmodel.stored_html(lead[5]) if lead and lead[5] else None,
            "latest": [readmodel.stored_html(row[4]) for row in latest if row[0] != lead_id and row[4]],
            "section_blocks": [(section, blocks[section.pk]) for section in sections if blocks[section.pk]],
            "nav_sections": sections,
            "canonical_url": absolute_url("/"),
        },
    )


def story_list(request, stories):
    """A page of ``stories`` (live ``PublicArticle`` rows) as stored row cards, newest first."""
    page = paginate(request, readmodel.with_card(stories, "row").values_list("pk", "lead_image_id", "card"))
    article_keys.show_stored_cards(request, [(pk, image_id) for pk, image_id, _ in page.object_list])
    cards = [readmodel.stored_html(card) for _, _, card in page.object_list]
    return {**list_context(request, page), "cards": cards}


@require_safe
@public_page
def latest(request):
    cache_keys.show(request, cache_keys.ARTICLES)
    stories = story_list(request, PublicArticle.objects.live())
    context = {"title": "Latest news", "nav_sections": nav_sections(), **stories}
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page
def section_detail(request, slug):
    sections = nav_sections()
    section = next((section for section in sections if section.slug == slug), None)
    if section is None:
        raise Http404("No such section.")
    cache_keys.show(request, section, cache_keys.stories_under(section))
    stories = story_list(request, PublicArticle.objects.live().filter(section=section))
    context = {
        "title": section.name,
        "description": section.description,
        "section": section,
        "nav_sections": sections,
        "feed_rss": reverse("articles:section_feed_rss", kwargs={"slug": section.slug}),
        "feed_atom": reverse("articles:section_feed_atom", kwargs={"slug": section.slug}),
        **stories,
    }
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page
def tag_detail(request, slug):
    # Only once a live article uses it: a tag made for a draft puts nobody's text in public.
    tag = get_object_or_404(Tag.objects.shown_by(Article.objects.live()), slug=slug)
    cache_keys.show(request, tag, cache_keys.stories_under(tag))
    stories = story_list(request, PublicArticle.objects.live().filter(article__tags=tag))
    context = {"title": tag.name, "kicker": "Topic", "nav_sections": nav_sections(), **stories}
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page
def author_detail(request, slug):
    author = get_object_or_404(Author.objects.shown_by(Article.objects.live()), slug=slug)
    cache_keys.show(request, author, cache_keys.stories_under(author))
    stories = story_list(request, PublicArticle.objects.live().filter(article__authors=author))
    context = {
        "title": author.name,
        "kicker": "Author",
        "description": author.bio,
        "author": author,
        "nav_sections": nav_sections(),
        **stories,
    }
    return render(request, "articles/article_list.html", context)


# Search pages are kept in the page cache as the other lists of articles are, but their URLs are
# endless: at most this many (some 20-40 KB each), in slots of their own, so that a flood of
# distinct searches can push out only other searches, never an article page
# (``newsroom.core.pagecache.Endless``, registered by ``ArticlesConfig.ready``); each process
# keeps its own copy of the most asked few.
SEARCH_PAGES_KEPT = 500
SEARCH_PAGES_PER_PROCESS = 100


def search_identity(query_dict):
    """What the search page's answer depends on in its query string (``newsroom.core.pagecache.
    Endless``), read as ``search`` reads it: the cleaned query, so ``?q=camry`` and ``?q=camry%20``
    share one page while ``?q=Camry`` (which the page repeats) has its own; the page number
    (``?page=02`` is page 2). None for a page number that is none (answered 404, not kept)."""
    query = article_search.clean_query(query_dict.get("q", ""))
    try:
        number = int(query_dict.get("page", "1"))
    except ValueError:
        return None
    return json.dumps([query.text, query.truncated, number])


@require_safe
@public_page
def search(request):
    query = article_search.clean_query(request.GET.get("q", ""))
    page = paginate(request, article_search.search_articles(query)) if query else None
    found = article_search.page_of(page.object_list, query) if page else []
    cache_keys.show(request, cache_keys.ARTICLES, *article_search.records_matched())
    article_keys.show_stored_cards(request, [(match.pk, match.lead_image_id) for match in found])
    context = {
        "query": query,
        "page_obj": page,
        "articles": found,  # the matches, with their snippets
        "cards": [match.card for match in found],
        # Only the newest matches are ranked (articles.search.MAX_CANDIDATES): say so.
        "capped": bool(page) and page.paginator.count >= article_search.MAX_CANDIDATES,
        "nav_sections": nav_sections(),
        "canonical_url": absolute_url(reverse("articles:search")),
        "previous_url": _search_page_url(query, page.previous_page_number()) if page and page.has_previous() else None,
        "next_url": _search_page_url(query, page.next_page_number()) if page and page.has_next() else None,
    }
    return render(request, "articles/search.html", context)


def _search_page_url(query, number):
    return f"{reverse('articles:search')}?{urlencode({'q': query.text, 'page': number})}"


@require_safe
@public_page
def article_detail(request, slug):
    now = timezone.now()
    stored = readmodel.story(slug, now)
    if stored is None:
        return _moved_or_gone(request, slug)
    read_next_go_live(request, now, stored["next_change"])
    cache_keys.show(request, cache_keys.key(Article, stored["id"]), *stored["keys"].split())
    article_keys.show_stored_cards(request, [(pk, None) for pk in stored["related_cards"]])
    context = {
        "stored": stored,
        "related_cards": list(stored["related_cards"].values()),
        "nav_sections": stored["sections"],
        "canonical_url": absolute_url(reverse("articles:detail", kwargs={"slug": slug})),
    }
    return render(request, "articles/article_detail.html", context)


def _moved_or_gone(request, slug):
    """Not live under this slug: an old slug of a live article (301), a withdrawn one (410), or 404."""
    redirect = SlugRedirect.objects.filter(old_slug=slug).select_related("article").first()
    target = redirect.article if redirect else None
    if target is not None and Article.objects.live().filter(pk=target.pk).exists():
        cache_keys.show(request, target)
        return HttpResponsePermanentRedirect(target.get_absolute_url())
    gone = Article.objects.filter(Q(slug=slug) | Q(slug_redirects__old_slug=slug), withdrawn_at__isnull=False)
    withdrawn = gone.only("headline", "withdrawal_reason", "withdrawn_at").first()
    if withdrawn is not None:
        cache_keys.show(request, withdrawn, *article_keys.navigation_and_cards())
        context = {"article": withdrawn, "nav_sections": nav_sections()}
        return render(request, "articles/withdrawn.html", context, status=410)
    raise Http404("No such article.")


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "",
        f"Sitemap: {absolute_url(reverse('articles:sitemap'))}",
        f"Sitemap: {absolute_url(reverse('articles:news_sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
