"""Demo articles: the Toyota story (published), one scheduled for tomorrow, one draft in review.

They are written and moved on through ``articles.services`` and ``articles.workflow``, exactly as
editors would, so the demo also has revisions and a workflow log to look at."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model

from articles import workflow
from articles.models import Article, ArticleVehicle, Author, Byline, Section, Tag
from articles.services import save_article
from newsroom.media.ingest import ingest_image

TOYOTA_STORY_SLUG = "toyota-to-sell-us-built-camry-highlander-and-tundra-in-japan"

TOYOTA_STORY_BODY = """
<p>Toyota will start selling three cars it builds in the United States to buyers in Japan,
the company said on 19 December 2025. The Camry sedan, the Highlander SUV and the Tundra
full-size pickup are due to arrive one after another from 2026.</p>
<p>Toyota gave two reasons: a wider choice of models for its home market, and a contribution to
trade relations between the United States and Japan. It announced no volumes, no prices and no
exact launch dates.</p>
<h2>Three familiar names, three different histories in Japan</h2>
<ul>
<li>The <strong>Camry</strong>, built in Georgetown, Kentucky, left the Japanese line-up in 2023.</li>
<li>The <strong>Highlander</strong>, built in Princeton, Indiana, was last sold in Japan as the Kluger, until 2007.</li>
<li>The <strong>Tundra</strong>, built in San Antonio, Texas, has never been sold in Japan officially.</li>
</ul>
<h2>The trade background</h2>
<p>The move follows the US–Japan trade framework of 22 July 2025. A US executive order of
4 September 2025 cut the tariff on Japanese cars to 15% from 27.5%, and said Japan would accept
passenger cars built and safety-certified in the US without further testing.</p>
<p>On 16 February 2026 Japan's transport ministry set up an approval system for US-made passenger
cars: approved cars are treated as meeting Japan's safety standards, carry a mark on the rear,
and have the approval written on their inspection certificate. The same day, the trade ministry
took delivery of two US-built Highlanders as official cars.</p>
<p>All three models are wider than 1.70 metres, so in Japan they fall into the "ordinary"
(3-number) size class rather than the "small" one.</p>
""".strip()


def make_demo_image_bytes(width=1600, height=900):
    """A lead image drawn with Pillow at load time: a road at dusk, no download needed."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(40 + 120 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade // 2, shade // 2 + 20, shade + 60))
    draw.polygon(
        [(0, height), (width * 0.45, height * 0.55), (width * 0.55, height * 0.55), (width, height)], fill=(45, 45, 50)
    )
    for i in range(6):
        top = height * (0.6 + i * 0.07)
        draw.rectangle([width * 0.495, top, width * 0.505, top + height * 0.03], fill=(240, 220, 120))
    draw.ellipse([width * 0.7, height * 0.1, width * 0.8, height * 0.1 + width * 0.1], fill=(250, 200, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


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
