"""schema.org `NewsArticle` for an article page (https://schema.org/NewsArticle), with what
Google's Article structured data asks for: headline, image, datePublished, dateModified, authors
with name and URL, and the publisher with its logo. Built from what ``article_page_context`` has
already loaded: no queries of its own. ``vehicles.jsonld`` is its twin for vehicle pages."""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from newsroom.core import dates
from newsroom.core.site import absolute_url, site_url
from vehicles.jsonld import script_json

# A square mark (512 px): search engines ask for a publisher logo of at least 112 px.
PUBLISHER_LOGO = "images/logo.png"
PUBLISHER_LOGO_SIZE = 512


def publisher():
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": site_url(),
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(static(PUBLISHER_LOGO)),
            "width": PUBLISHER_LOGO_SIZE,
            "height": PUBLISHER_LOGO_SIZE,
        },
    }


def news_article(article, context):
    """The NewsArticle for ``article``; ``context`` is ``article_page_context``'s (canonical URL,
    authors, tags, vehicles, share image)."""
    published = article.first_published
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline[:110],
        "description": article.standfirst,
        "mainEntityOfPage": context["canonical_url"],
        "url": context["canonical_url"],
        "datePublished": dates.machine(published) or None,
        # The dates the page shows: search engines want structured dates to match the visible ones.
        "dateModified": dates.machine(article.updated_line or published) or None,
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": absolute_url(reverse("articles:author", args=[author.slug])),
            }
            for author in context["authors"]
        ],
        "publisher": publisher(),
        "articleSection": article.section.name if article.section_id else None,
        "keywords": [tag.name for tag in context["tags"]],
        "image": [context["share_image_url"]] if context["share_image_url"] else None,
        "about": [{"@type": "Car", "name": vehicle["name"]} for vehicle in context["vehicles"]] or None,
    }
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def script(article, context):
    """The NewsArticle as text safe inside <script type="application/ld+json">."""
    return script_json(news_article(article, context))
