"""Revisions: a full snapshot of an article per save, readable diffs, and restore.

- ``snapshot(article)``: every editable field, related rows included, as JSON-safe data.
- ``record(article, user, message)``: the immutable ``Revision`` for the article's current version.
- ``diff(old, new)``: what changed between two snapshots, field by field, as ``FieldChange`` rows
  whose ``html`` is an escaped word-level inline diff (``<del>``/``<ins>``).
- ``apply_snapshot(article, data)`` and ``restore_related(article, data)``: put an old snapshot
  back on an article; ``articles.services.restore_revision`` saves that as a NEW revision, so
  history is never rewritten.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import ArticleVehicle, Author, Byline, Revision, Section, Tag
from newsroom.core.text import html_to_text
from newsroom.media.models import Image
from vehicles.models import ModelYear, VehicleModel

# (snapshot key, label), in the order editors read an article.
FIELDS = [
    ("headline", "Headline"),
    ("slug", "Slug"),
    ("standfirst", "Standfirst"),
    ("body", "Body"),
    ("section", "Section"),
    ("tags", "Tags"),
    ("authors", "Authors"),
    ("lead_image", "Lead image"),
    ("vehicles", "Vehicles"),
]


def snapshot(article):
    """Everything an editor can change, with display names so old revisions read well
    even after a tag or author is renamed or deleted."""
    bylines = Byline.objects.filter(article=article).select_related("author").order_by("position", "id")
    vehicles = (
        ArticleVehicle.objects.filter(article=article)
        .select_related("vehicle_model__make", "model_year")
        .order_by("position", "id")
    )
    tags = Tag.objects.filter(articles=article).order_by("name")
    section = Section.objects.filter(pk=article.section_id).first() if article.section_id else None
    return {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "section": {"id": section.pk, "name": section.name} if section else None,
        "tags": [{"id": tag.pk, "name": tag.name} for tag in tags],
        "authors": [{"id": b.author_id, "name": b.author.name} for b in bylines],
        "lead_image": article.lead_image_id,
        "vehicles": [
            {"id": v.vehicle_model_id, "model_year": v.model_year_id, "name": str(v.model_year or v.vehicle_model)}
            for v in vehicles
        ],
    }


def record(article, user, message="", *, version=None, data=None):
    """The revision of ``article`` as it stands (or of ``data``, a snapshot taken earlier), as
    ``version`` (the article's own by default)."""
    return Revision.objects.create(
        article=article,
        version=article.version if version is None else version,
        snapshot=snapshot(article) if data is None else data,
        created_by=user if user and user.is_authenticated else None,
        message=message[:255],
    )


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str
    html: str


def _as_text(key, value):
    """A field's value as the plain text an editor would recognise."""
    if value is None or value == [] or value == "":
        return ""
    if key == "body":
        return html_to_text(value)
    if key == "section":
        return value["name"]
    if key in ("tags", "authors", "vehicles"):
        return ", ".join(item["name"] for item in value)
    if key == "lead_image":
        return f"Image #{value}"
    return str(value)


def inline_diff(old, new):
    """Word-level diff of two texts as safe HTML: removed words in <del>, added in <ins>."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    parts = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(''.join(old_words[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(''.join(new_words[b1:b2]))}</ins>")
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - every piece is escaped above


def diff(old, new):
    """The fields that differ between two snapshots (dicts), in reading order."""
    changes = []
    for key, label in FIELDS:
        old_text, new_text = _as_text(key, old.get(key)), _as_text(key, new.get(key))
        if old_text != new_text:
            changes.append(FieldChange(key, label, old_text, new_text, inline_diff(old_text, new_text)))
    return changes


def apply_snapshot(article, data):
    """Set the article's own fields from a snapshot (related rows: see ``restore_related``)."""
    for key in ("headline", "slug", "standfirst", "body"):
        setattr(article, key, data.get(key, ""))
    section = data.get("section")
    article.section_id = section["id"] if section and Section.objects.filter(pk=section["id"]).exists() else None
    image_id = data.get("lead_image")
    article.lead_image_id = image_id if image_id and Image.objects.filter(pk=image_id).exists() else None


def restore_related(article, data):
    """Set the article's tags, bylines and vehicles from a snapshot. Anything deleted since (a
    tag, an author) is left out rather than recreated."""
    article.tags.set(Tag.objects.filter(pk__in=[t["id"] for t in data.get("tags", [])]))
    Byline.objects.filter(article=article).delete()
    existing_authors = set(
        Author.objects.filter(pk__in=[a["id"] for a in data.get("authors", [])]).values_list("pk", flat=True)
    )
    Byline.objects.bulk_create(
        Byline(article=article, author_id=a["id"], position=i)
        for i, a in enumerate(data.get("authors", []))
        if a["id"] in existing_authors
    )
    ArticleVehicle.objects.filter(article=article).delete()
    wanted = data.get("vehicles", [])
    existing_models = set(VehicleModel.objects.filter(pk__in=[v["id"] for v in wanted]).values_list("pk", flat=True))
    existing_years = set(
        ModelYear.objects.filter(pk__in=[v["model_year"] for v in wanted if v.get("model_year")]).values_list(
            "pk", flat=True
        )
    )
    ArticleVehicle.objects.bulk_create(
        ArticleVehicle(
            article=article,
            vehicle_model_id=v["id"],
            model_year_id=v.get("model_year") if v.get("model_year") in existing_years else None,
            position=i,
        )
        for i, v in enumerate(wanted)
        if v["id"] in existing_models
    )
