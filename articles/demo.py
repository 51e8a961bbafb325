"""Demo articles: the Toyota story (published), one scheduled for tomorrow, one draft in review."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from articles.models import Article, ArticleVehicle, Author, Byline, Section, Status, Tag
from newsroom.core.demo import TOYOTA_STORY_BODY, TOYOTA_STORY_SLUG, make_demo_image_bytes

SECTIONS = [("News", "news", 0), ("Industry", "industry", 1), ("Reviews", "reviews", 2)]
TAGS = [("Toyota", "toyota"), ("Japan", "japan"), ("Trade", "trade"), ("Hybrids", "hybrids")]


def _lead_image():
    from newsroom.media.models import Image

    existing = Image.objects.filter(title="Demo: a road at dusk").first()
    if existing:
        return existing
    import hashlib

    data = make_demo_image_bytes()
    image = Image(
        title="Demo: a road at dusk",
        alt_text="An empty two-lane road running towards the horizon under an evening sky.",
        caption="Illustration drawn for the demo content.",
        credit="Newsroom demo",
        width=1600,
        height=900,
        format="JPEG",
        byte_size=len(data),
        content_hash=hashlib.sha256(data).hexdigest(),
    )
    image.file.save("demo-road.jpg", ContentFile(data), save=False)
    image.save()
    return image


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

    story, created = Article.objects.get_or_create(
        slug=TOYOTA_STORY_SLUG,
        defaults={
            "headline": "Toyota to sell US-built Camry, Highlander and Tundra in Japan from 2026",
            "standfirst": "Three American-made models will reach Japanese showrooms one after another, "
            "as Toyota widens its line-up and Tokyo eases the way for US-built cars.",
            "body": TOYOTA_STORY_BODY,
            "section": sections["industry"],
            "lead_image": _lead_image(),
            "status": Status.PUBLISHED,
            "publish_at": today - timedelta(hours=2),
            "first_published_at": today - timedelta(hours=2),
            "last_published_at": today - timedelta(hours=2),
            "created_by": writer,
        },
    )
    if created:
        story.tags.set([tags["toyota"], tags["japan"], tags["trade"]])
        Byline.objects.create(article=story, author=writer_author, position=0)
        Byline.objects.create(article=story, author=editor_author, position=1)
        for position, slug in enumerate(["camry", "highlander", "tundra"]):
            ArticleVehicle.objects.create(article=story, vehicle_model=vehicles[slug], position=position)

    scheduled, created = Article.objects.get_or_create(
        slug="what-japans-new-approval-mark-means-for-us-built-cars",
        defaults={
            "headline": "What Japan's new approval mark means for US-built cars",
            "standfirst": "An explainer on the approval system for American-made passenger cars.",
            "body": "<p>Japan's transport ministry has created an approval route for passenger cars built "
            "in the United States. Approved cars carry a mark on the rear and the approval is noted on "
            "the inspection certificate.</p>",
            "section": sections["news"],
            "status": Status.SCHEDULED,
            "publish_at": today + timedelta(days=1),
            "created_by": writer,
        },
    )
    if created:
        scheduled.tags.set([tags["japan"], tags["trade"]])
        Byline.objects.create(article=scheduled, author=writer_author)

    draft, created = Article.objects.get_or_create(
        slug="tundra-in-japan-how-a-full-size-pickup-fits",
        defaults={
            "headline": "Tundra in Japan: how a full-size pickup fits",
            "standfirst": "Japan has never officially sold the Tundra. Here is what buyers should know.",
            "body": "<p>The Tundra is built in San Antonio, Texas, with a twin-turbo V6 or the i-FORCE MAX hybrid.</p>",
            "section": sections["reviews"],
            "status": Status.IN_REVIEW,
            "created_by": writer,
        },
    )
    if created:
        draft.tags.set([tags["toyota"]])
        Byline.objects.create(article=draft, author=writer_author)
        ArticleVehicle.objects.create(article=draft, vehicle_model=vehicles["tundra"])
    return {"published": story, "scheduled": scheduled, "in_review": draft}
