"""Public pages for readers: home, article, section, tag, author, latest, search, robots.txt.

Only ``Article.objects.live()`` is ever shown. Each page runs a fixed number of queries
(bylines, tags, vehicles are prefetched), and anonymous pages go through ``newsroom.core.pagecache``.

The admin preview renders ``articles/article_detail.html`` with
``{"article": article, **article_page_context(article)}``; the template also renders with only
``article`` (without the vehicles box, related articles and metadata).
"""

import itertools

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from articles import cache_keys as article_keys
from articles import jsonld
from articles import search as article_search
from articles.models import Article, ArticleVehicle, Author, Byline, Section, SlugRedirect, Tag
from newsroom.core import cache_keys
from newsroom.core.pagecache import public_page
from newsroom.core.site import absolute_url
from newsroom.media.models import Rendition
from newsroom.media.renditions import SHARE_SPEC
from newsroom.media.templatetags.images import image_url
from vehicles import units

PAGE_SIZE = 20
SECTION_BLOCK_SIZE = 4
LATEST_ON_HOME = 8
RELATED_ARTICLES = 4
# The renditions pages show, and only the columns `responsive_image` and `image_url` read: an
# image has a row per size, format and crop (partners' API sizes, older focal points too), and
# turning all of them into model instances was a large part of a list page's work. Cards show
# 16:9 crops (crop="16x9" in _card.html); the article page shows the whole picture and shares a
# 16:9 crop.
RENDITION_COLUMNS = ("image_id", "spec", "format", "focal_key", "file", "width", "height")
CARD_RENDITIONS = Rendition.objects.filter(spec__startswith="fill-16x9-").only(*RENDITION_COLUMNS)
CARD_IMAGES = Prefetch("lead_image__renditions", queryset=CARD_RENDITIONS)
ARTICLE_RENDITIONS = Rendition.objects.filter(Q(spec__startswith="width-") | Q(spec=SHARE_SPEC)).only(
    *RENDITION_COLUMNS
)


def listing(queryset, images=True):
    """What every list of article cards needs, in a fixed number of queries. Cards never show
    the body, the largest column by far, so it is not loaded. Without ``images``, the cards'
    renditions are left for ``with_card_images`` (cards that show no picture need none)."""
    queryset = (
        queryset.select_related("section", "lead_image")
        .defer("body")
        .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
    )
    return queryset.prefetch_related(CARD_IMAGES) if images else queryset


def with_card_images(articles):
    """Load the card renditions of ``articles``' lead images, in one query."""
    prefetch_related_objects(articles, CARD_IMAGES)


def nav_sections():
    return list(Section.objects.all())


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


@require_safe
@public_page
def home(request):
    latest = list(listing(Article.objects.live(), images=False)[:LATEST_ON_HOME])
    lead = next((article for article in latest if article.lead_image_id), latest[0] if latest else None)
    # Each section's newest few, read from the (section, publish_at, id) index, then loaded.
    sections = nav_sections()
    newest_per_section = [
        Article.objects.live().filter(section=section).order_by("-publish_at", "-id").values("pk")[:SECTION_BLOCK_SIZE]
        for section in sections
    ]
    by_section = listing(Article.objects.in_any(*newest_per_section), images=False) if sections else []
    if sections:
        by_section = by_section.order_by("section__position", "section__name", "-publish_at")
    blocks = {section.pk: [] for section in sections}
    for article in by_section:
        if article != lead:  # already at the top of the page
            blocks.setdefault(article.section_id, []).append(article)
    # Pictures are shown for the lead and the section blocks, not the latest list: one query for all.
    with_card_images([article for article in [lead, *itertools.chain(*blocks.values())] if article])
    cache_keys.show(request, cache_keys.HOME)
    article_keys.show_cards(request, [lead, *latest, *itertools.chain(*blocks.values())])
    return render(
        request,
        "articles/home.html",
        {
            "lead": lead,
            "latest": [article for article in latest if article != lead],
            "section_blocks": [(section, blocks[section.pk]) for section in sections if blocks.get(section.pk)],
            "nav_sections": sections,
            "canonical_url": absolute_url("/"),
        },
    )


@require_safe
@public_page
def latest(request):
    page = paginate(request, listing(Article.objects.live()))
    cache_keys.show(request, cache_keys.ARTICLES)
    article_keys.show_cards(request, page.object_list)
    context = {"title": "Latest news", "nav_sections": nav_sections(), **list_context(request, page)}
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page
def section_detail(request, slug):
    sections = nav_sections()
    section = next((section for section in sections if section.slug == slug), None)
    if section is None:
        raise Http404("No such section.")
    page = paginate(request, listing(Article.objects.live().filter(section=section)))
    cache_keys.show(request, section)
    article_keys.show_cards(request, page.object_list)
    context = {
        "title": section.name,
        "description": section.description,
        "section": section,
        "nav_sections": sections,
        "feed_rss": reverse("articles:section_feed_rss", kwargs={"slug": section.slug}),
        "feed_atom": reverse("articles:section_feed_atom", kwargs={"slug": section.slug}),
        **list_context(request, page),
    }
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page
def tag_detail(request, slug):
    # Only once a live article uses it: a tag made for a draft puts nobody's text in public.
    tag = get_object_or_404(Tag.objects.shown_by(Article.objects.live()), slug=slug)
    page = paginate(request, listing(Article.objects.live().filter(tags=tag)))
    cache_keys.show(request, tag)
    article_keys.show_cards(request, page.object_list)
    context = {"title": tag.name, "kicker": "Topic", "nav_sections": nav_sections(), **list_context(request, page)}
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page
def author_detail(request, slug):
    author = get_object_or_404(Author.objects.shown_by(Article.objects.live()), slug=slug)
    page = paginate(request, listing(Article.objects.live().filter(authors=author)))
    cache_keys.show(request, author)
    article_keys.show_cards(request, page.object_list)
    context = {
        "title": author.name,
        "kicker": "Author",
        "description": author.bio,
        "author": author,
        "nav_sections": nav_sections(),
        **list_context(request, page),
    }
    return render(request, "articles/article_list.html", context)


@require_safe
@public_page(store=False)
def search(request):
    query = article_search.clean_query(request.GET.get("q", ""))
    # Snippets are cut from the body on SQLite, so search results (one page of them) load it.
    results = listing(article_search.search_articles(query)).defer(None)
    page = paginate(request, results) if query else None
    if page is not None:
        article_search.add_snippets(page.object_list, query)
    cache_keys.show(request, cache_keys.ARTICLES)
    article_keys.show_cards(request, page.object_list if page else [])
    context = {
        "query": query,
        "page_obj": page,
        "articles": page.object_list if page else [],
        # Only the newest matches are ranked (articles.search.MAX_CANDIDATES): say so.
        "capped": bool(page) and page.paginator.count >= article_search.MAX_CANDIDATES,
        "nav_sections": nav_sections(),
        "canonical_url": absolute_url(reverse("articles:search")),
        "previous_url": _search_page_url(query, page.previous_page_number()) if page and page.has_previous() else None,
        "next_url": _search_page_url(query, page.next_page_number()) if page and page.has_next() else None,
    }
    return render(request, "articles/search.html", context)


def _search_page_url(query, number):
    from urllib.parse import urlencode

    return f"{reverse('articles:search')}?{urlencode({'q': query.text, 'page': number})}"


@require_safe
@public_page
def article_detail(request, slug):
    article = Article.objects.live().select_related("section", "lead_image").filter(
        slug=slug
    ).first() or _moved_or_gone(request, slug)
    if isinstance(article, HttpResponse):
        return article
    context = {"article": article, "nav_sections": nav_sections(), **article_page_context(article)}
    article_keys.show_article_page(request, article, context)
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


def article_page_context(article):
    """Everything the article page shows besides ``article`` itself, in a fixed number of
    queries: bylines, tags, corrections, the vehicles box, related articles and metadata.
    The admin preview calls it for drafts too."""
    from vehicles.models import MarketAvailability, Powertrain

    prefetch_related_objects(
        [article],
        Prefetch("bylines", queryset=Byline.objects.select_related("author")),
        "tags",
        "corrections",
        Prefetch("lead_image__renditions", queryset=ARTICLE_RENDITIONS),
        Prefetch(
            "article_vehicles",
            queryset=ArticleVehicle.objects.select_related("vehicle_model__make", "model_year__powertrain"),
        ),
        Prefetch("article_vehicles__vehicle_model__powertrains", queryset=Powertrain.objects.all()),
        Prefetch(
            "article_vehicles__vehicle_model__availabilities",
            queryset=MarketAvailability.objects.select_related("market", "source_plant").order_by(
                "market__name", "start", "id"
            ),
        ),
    )
    authors = [byline.author for byline in article.bylines.all()]
    tags = list(article.tags.all())
    share_image = share_image_url(article.lead_image) if article.lead_image_id else None
    context = {
        "authors": authors,
        "tags": tags,
        "corrections": list(article.corrections.all()),
        "vehicles": [vehicle_box(link) for link in article.article_vehicles.all()],
        "related_articles": list(listing(Article.objects.related_to(article, RELATED_ARTICLES))),
        "canonical_url": absolute_url(article.get_absolute_url()),
        "share_image_url": share_image,
    }
    context["json_ld"] = mark_safe(jsonld.script(article, context))  # noqa: S308 - escaped by script_json
    return context


def vehicle_url(vehicle_model):
    try:
        return vehicle_model.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return None


def vehicle_box(link):
    """Key specs and market availability of one vehicle an article is about."""
    vehicle = link.vehicle_model
    model_year = link.model_year
    powertrains = [model_year.powertrain] if model_year and model_year.powertrain else vehicle.powertrains.all()
    return {
        "name": str(vehicle),
        "model_year": model_year,
        "url": vehicle_url(vehicle),
        "body": (model_year.body_class if model_year else "") or vehicle.body_class,
        "segment": vehicle.segment,
        "vehicle_type": vehicle.get_vehicle_type_display(),
        "powertrains": [powertrain_line(powertrain) for powertrain in powertrains],
        "markets": [availability_line(availability) for availability in vehicle.availabilities.all()],
    }


def powertrain_line(powertrain):
    power = f"{units.format_number(powertrain.power_kw)} kW ({units.kw_to_hp(powertrain.power_kw)} hp)"
    parts = [power]
    if powertrain.torque_nm:
        parts.append(
            f"{units.format_number(powertrain.torque_nm)} N·m ({units.nm_to_lbft(powertrain.torque_nm)} lb-ft)"
        )
    return {
        "name": powertrain.name,
        "kind": powertrain.get_engine_type_display(),
        "figures": ", ".join(parts),
        "transmission": powertrain.transmission,
        "unconfirmed": powertrain.figures_unconfirmed,
    }


def availability_line(availability):
    """One market: "Japan: announced 19 Dec 2025, on sale from 2026, built in …" (vehicles' wording)."""
    return {
        "market": availability.market.name,
        "timeline": availability.timeline(),
        "note": availability.note,
    }


def share_image_url(image):
    """The absolute URL of the 16:9 rendition used for social cards and JSON-LD (None when there is nothing to show)."""
    return image_url(image, SHARE_SPEC) or None


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
