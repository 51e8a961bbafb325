"""Articles as IPTC ninjs 3.1 documents (https://iptc.org/standards/ninjs/).

Built from an article loaded with ``loading.with_related``, which puts its related rows in plain
lists (``tag_list``, ``vehicle_links``, ...; its lead image's renditions as ``rendition_rows``), so
a page of documents costs a fixed number of queries, and its public facts (``facts``) in
``article.facts``. A withdrawn article is a tombstone: pubStatus "canceled", no body.
"""

from django.conf import settings
from django.utils import timezone

from newsroom.core.site import absolute_url
from newsroom.syndication import facts, links

NINJS_CONTENT_TYPE = "application/ninjs+json"
NINJS_SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"


def _time(value):
    return value.astimezone(timezone.UTC).isoformat().replace("+00:00", "Z") if value else None


def _language():
    language, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{language}-{region.upper()}" if region else language


def _lead_image(image):
    association = {
        "name": "leadImage",
        "rel": "lead",
        "uri": links.image_uri(image),
        "type": "picture",
        "headlines": [{"role": "main", "contentType": "text/plain", "value": image.title}],
        "renditions": [
            {
                "name": rendition.name,
                "href": rendition.href,
                "contentType": rendition.content_type,
                "width": rendition.width,
                "height": rendition.height,
                "sizeInBytes": rendition.size_bytes,
            }
            for rendition in facts.renditions(image)
        ],
        "versionCreated": _time(image.uploaded_at),
    }
    descriptions = []
    if image.alt_text and not image.is_decorative:
        descriptions.append({"role": "alt", "contentType": "text/plain", "value": image.alt_text})
    if image.caption:
        descriptions.append({"role": "caption", "contentType": "text/plain", "value": image.caption})
    if descriptions:
        association["descriptions"] = descriptions
    if image.credit:
        association["by"] = image.credit
    if image.copyright:
        association["copyrightNotice"] = image.copyright
    return association


def _subjects(article):
    subjects = []
    if article.section:
        subjects.append(
            {
                "name": article.section.name,
                "rel": "section",
                "uri": links.section_uri(article.section),
                "literal": article.section.slug,
            }
        )
    subjects += [
        {"name": tag.name, "rel": "tag", "uri": links.tag_uri(tag), "literal": tag.slug} for tag in article.tag_list
    ]
    for link in article.vehicle_links:
        subject = {
            "name": str(link.model_year or link.vehicle_model),
            "rel": "about",
            "uri": links.vehicle_model_uri(link.vehicle_model),
            "literal": f"{link.vehicle_model.make.slug}/{link.vehicle_model.slug}",
        }
        subjects.append(subject)
    return subjects


def _places(article):
    seen = {}
    for link in article.vehicle_links:
        for availability in link.vehicle_model.availability_list:
            market = availability.market
            seen.setdefault(
                market.country,
                {
                    "name": market.name,
                    "rel": "market",
                    "uri": f"http://cvx.iptc.org/iso3166-1a2/{market.country.lower()}",
                    "literal": market.country,
                },
            )
    return list(seen.values())


def _organisations(article):
    seen = {}
    for link in article.vehicle_links:
        make = link.vehicle_model.make
        seen.setdefault(("make", make.pk), {"name": make.name, "rel": "make", "literal": make.slug})
        for manufacturer in link.vehicle_model.manufacturer_list:
            seen.setdefault(
                ("manufacturer", manufacturer.pk),
                {"name": manufacturer.name, "rel": "manufacturer", "literal": str(manufacturer.pk)},
            )
    return list(seen.values())


def article_document(article):
    """A live article as a ninjs 3.1 document."""
    text = article.facts.body_text
    document = {
        "uri": article.facts.uri,
        "type": "text",
        "representationType": "full",
        "version": str(article.version),
        "firstCreated": _time(article.facts.first_published_at),
        "versionCreated": _time(article.facts.updated_at),
        "contentCreated": _time(article.created_at),
        "pubStatus": "usable",
        "language": _language(),
        "slugline": article.slug,
        "headlines": [{"role": "main", "contentType": "text/plain", "value": article.headline}],
        "bodies": [
            {
                "role": "main",
                "contentType": "text/html",
                "value": article.body,
                "charCount": len(text),
                "wordCount": len(text.split()),
            },
            {"role": "main", "contentType": "text/plain", "value": text},
        ],
        "altIds": [
            {"role": "id", "value": str(article.pk)},
            {"role": "slug", "value": article.slug},
            {"role": "webUrl", "value": article.facts.web_url},
        ],
        "infoSources": [{"name": settings.SITE_NAME, "role": "originator", "uri": absolute_url("/")}],
        "copyrightHolder": settings.SITE_NAME,
    }
    descriptions = []
    if article.standfirst:
        descriptions.append({"role": "summary", "contentType": "text/plain", "value": article.standfirst})
    descriptions += [
        {
            "role": "correction",
            "contentType": "text/plain",
            "value": f"{_time(correction.created_at)}: {correction.text}",
        }
        for correction in article.correction_list
    ]
    if descriptions:
        document["descriptions"] = descriptions
    if article.facts.byline:
        document["by"] = article.facts.byline
    for key, values in (
        ("subjects", _subjects(article)),
        ("places", _places(article)),
        ("organisations", _organisations(article)),
    ):
        if values:
            document[key] = values
    if article.lead_image:
        document["associations"] = [_lead_image(article.lead_image)]
    return document


def tombstone_document(article_id, removed_at, reason=""):
    """What a partner gets for an article it must remove: its identity, that it is canceled, and,
    for a withdrawal, the public reason (a description with role "withdrawal", as corrections are)."""
    document = {
        "uri": links.article_uri_for_id(article_id),
        "type": "text",
        "pubStatus": "canceled",
        "versionCreated": _time(removed_at),
        "altIds": [{"role": "id", "value": str(article_id)}],
    }
    if reason:
        document["descriptions"] = [{"role": "withdrawal", "contentType": "text/plain", "value": reason}]
    return document
