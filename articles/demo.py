"""Demo articles: the Toyota story (published), one scheduled for tomorrow, one draft in review.

They are written and moved on through ``articles.services`` and ``articles.workflow``, exactly as
editors would, so the demo also has revisions and a workflow log to look at."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from articles import workflow
from articles.models import Article, ArticleVehicle, Author, Byline, Section, Tag
from articles.services import save_article
from newsroom.core.demo import TOYOTA_STORY_BODY, TOYOTA_STORY_SLUG, make_demo_image_bytes
from newsroom.media.ingest import ingest_image

SECTIONS = [("News", "news", 0), ("Industry", "industry", 1), ("Reviews", "reviews", 2)]
TAGS = [("Toyota", "toyota"), ("Japan", "japan"), ("Trade", "trade"), ("Hybrids", "hybrids")]


def _lead_image():
    """The demo lead image, drawn with Pillow and taken in like any upload (a second run finds it)."""
    return ingest_image(
        make_demo_image_bytes(),
        title="Demo: a road at dusk",
        alt_text="An empty two-lane road running towards the horizon under an evening sky.",
        caption="Illustration drawn for the demo content.",
        credit="Newsroom demo",
    )


def _ensure_article(writer, editor, slug, fields, tags, authors, vehicles, steps, approve=True):
    """The article with this slug; if missing, written by the writer and moved on through the
    workflow like any other story: submitted, then (if ``approve``) approved and ``steps`` run."""
    existing = Article.objects.filter(slug=slug).first()
    if existing:
        return existing
    article = Article(slug=slug, **fields)

    def related():
        article.tags.set(tags)
        Byline.objects.bulk_create(Byline(article=article, author=a, position=i) for i, a in enumerate(authors))
        ArticleVehicle.objects.bulk_create(
            ArticleVehicle(article=article, vehicle_model=v, position=i) for i, v in enumerate(vehicles)
        )

    save_article(article, writer, message="Demo: first draft", save_related=related)
    workflow.submit(article, writer)
    if approve:
        workflow.approve(article, editor)
        steps(article)
    return article


def load_articles(vehicles, today):
    sections = {
        slug: Section.objects.get_or_create(slug=slug, defaults={"name": name, "position": pos})[0]
        for name, slug, pos in SECTIONS
    }
    tags = {slug: Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in TAGS}
    user_model = get_user_model()
    writer = user_model.objects.get(username="writer")
    editor = user_model.objects.get(username="editor")
    writer_author, _ = Author.objects.get_or_create(
        slug="walter-writer", defaults={"name": "Walter Writer", "user": writer}
    )
    editor_author, _ = Author.objects.get_or_create(
        slug="erika-editor", defaults={"name": "Erika Editor", "user": editor}
    )

    story = _ensure_article(
        writer,
        editor,
        TOYOTA_STORY_SLUG,
        fields={
            "headline": "Toyota to sell US-built Camry, Highlander and Tundra in Japan from 2026",
            "standfirst": "Three American-made models will reach Japanese showrooms one after another, "
            "as Toyota widens its line-up and Tokyo eases the way for US-built cars.",
            "body": TOYOTA_STORY_BODY,
            "section": sections["industry"],
            "lead_image": _lead_image(),
        },
        tags=[tags["toyota"], tags["japan"], tags["trade"]],
        authors=[writer_author, editor_author],
        vehicles=[vehicles[slug] for slug in ("camry", "highlander", "tundra")],
        steps=lambda article: workflow.publish(article, editor, comment="Demo: the lead story."),
    )
    scheduled = _ensure_article(
        writer,
        editor,
        "what-japans-new-approval-mark-means-for-us-built-cars",
        fields={
            "headline": "What Japan's new approval mark means for US-built cars",
            "standfirst": "An explainer on the approval system for American-made passenger cars.",
            "body": "<p>Japan's transport ministry has created an approval route for passenger cars built "
            "in the United States. Approved cars carry a mark on the rear and the approval is noted on "
            "the inspection certificate.</p>",
            "section": sections["news"],
            "lead_image": _lead_image(),
        },
        tags=[tags["japan"], tags["trade"]],
        authors=[writer_author],
        vehicles=[],
        steps=lambda article: workflow.schedule(article, editor, today + timedelta(days=1)),
    )
    draft = _ensure_article(
        writer,
        editor,
        "tundra-in-japan-how-a-full-size-pickup-fits",
        fields={
            "headline": "Tundra in Japan: how a full-size pickup fits",
            "standfirst": "Japan has never officially sold the Tundra. Here is what buyers should know.",
            "body": "<p>The Tundra is built in San Antonio, Texas, with a twin-turbo V6 or the i-FORCE MAX hybrid.</p>",
            "section": sections["reviews"],
        },
        tags=[tags["toyota"]],
        authors=[writer_author],
        vehicles=[vehicles["tundra"]],
        steps=None,
        approve=False,
    )
    return {"published": story, "scheduled": scheduled, "in_review": draft}
