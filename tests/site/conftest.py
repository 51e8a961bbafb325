"""Fixtures for the public site: a fresh page cache per test, media under tmp_path, and a
newsroom with many live articles, each with several tags, authors, vehicles and its own image."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from articles import readmodel
from articles.models import Article, ArticleVehicle, Author, Byline, Section, Status, Tag
from newsroom.media.models import Image
from newsroom.media.tasks import make_reader_renditions

TOYOTA_SLUG = "toyota-to-sell-us-built-camry-highlander-and-tundra-in-japan"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_image(number, width=320, height=180):
    """A small JPEG, unique per number, stored as the media app stores originals, with the
    renditions the task worker makes of an upload."""
    picture = PILImage.new("RGB", (width, height), ((number * 40) % 256, 90, 140))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    data = buffer.getvalue()
    image = Image(
        title=f"Test picture {number}",
        alt_text=f"A test picture, number {number}.",
        caption=f"Caption {number}.",
        credit="Test Agency",
        width=width,
        height=height,
        format="JPEG",
        byte_size=len(data),
        content_hash=hashlib.sha256(data).hexdigest(),
    )
    image.file.save(f"test-{number}.jpg", ContentFile(data), save=False)
    image.save()
    make_reader_renditions(image)
    return image


def make_live_article(number, *, section, tags=(), authors=(), vehicles=(), image=None, hours_ago=1, **fields):
    """A live (published) article. Test data is set up directly, as the demo content is; the
    lifecycle tests drive the real workflow."""
    when = timezone.now() - timedelta(hours=hours_ago)
    defaults = {
        "headline": f"Test story number {number} about cars",
        "slug": f"test-story-{number}",
        "standfirst": f"The standfirst of story {number}.",
        "body": f"<p>Body text of story {number}, with several sentences about the market.</p>",
        "section": section,
        "lead_image": image,
        "status": Status.PUBLISHED,
        "publish_at": when,
        "first_published_at": when,
        "last_published_at": when,
    }
    defaults.update(fields)
    article = Article.objects.create(**defaults)
    article.tags.set(tags)
    for position, author in enumerate(authors):
        Byline.objects.create(article=article, author=author, position=position)
    for position, vehicle in enumerate(vehicles):
        ArticleVehicle.objects.create(article=article, vehicle_model=vehicle, position=position)
    rebuilt(article)
    return article


def rebuilt(*articles):
    """Store ``articles`` in the read model (``articles.readmodel``) as the workflow's next step
    would: for test data set up or changed directly, as the demo content is, then shown to readers."""
    readmodel.sync([article.pk for article in articles])


@pytest.fixture
def newsroom(demo):
    """The demo content plus eight live articles, each with four tags, three authors, the three
    vehicles and its own lead image; a draft and a future scheduled article that must stay hidden."""
    from vehicles.models import VehicleModel

    section = Section.objects.get(slug="industry")
    tags = list(Tag.objects.all()[:4])
    authors = [Author.objects.get_or_create(slug=f"author-{n}", defaults={"name": f"Author {n}"})[0] for n in range(3)]
    vehicles = list(VehicleModel.objects.all())
    articles = [
        make_live_article(
            n,
            section=section,
            tags=tags,
            authors=authors,
            vehicles=vehicles,
            image=make_image(n),
            hours_ago=n + 3,
        )
        for n in range(8)
    ]
    draft = make_live_article(
        100, section=section, tags=tags, headline="Secret draft about the Tundra", status=Status.DRAFT
    )
    future = make_live_article(
        101,
        section=section,
        tags=tags,
        headline="Scheduled story for next week",
        status=Status.SCHEDULED,
        hours_ago=-24 * 7,
    )
    story = Article.objects.get(slug=TOYOTA_SLUG)
    # A small lead image with its renditions instead of the demo's 1600 px one, which has none:
    # making them for every test would cost seconds.
    demo_image = story.lead_image
    small = make_image(99, width=640, height=360)
    Image.objects.filter(pk=small.pk).update(
        alt_text=demo_image.alt_text, caption=demo_image.caption, credit=demo_image.credit
    )
    Article.objects.filter(pk=story.pk).update(lead_image=small)
    rebuilt(story)  # with its new picture, and the stories above as its earlier related ones
    return {
        "demo": demo,
        "section": section,
        "tags": tags,
        "authors": authors,
        "vehicles": vehicles,
        "articles": articles,
        "draft": draft,
        "future": future,
        "story": Article.objects.get(slug=TOYOTA_SLUG),
    }
