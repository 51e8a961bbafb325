"""Articles in every state, made the way editors make them: saves and workflow steps."""

import itertools
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Article, Author, Byline, Section, Tag
from articles.services import save_article
from newsroom.media.models import Image

_serial = itertools.count(1)

# Decided before the test starts: a skipped transactional test would still empty the database.
ON_POSTGRES_ONLY = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="SQLite takes the write lock at BEGIN (IMMEDIATE transactions), so two saves can never overlap "
    "there; the conditional UPDATE that decides between them is proven on PostgreSQL.",
)


@pytest.fixture
def editor_client(client, editor):
    """An editor signed in to the admin, as "Eddie Editor"."""
    editor.first_name, editor.last_name = "Eddie", "Editor"
    editor.save()
    client.force_login(editor)
    return client


@pytest.fixture
def section(db):
    return Section.objects.create(name="News", slug="news")


@pytest.fixture
def image(db):
    n = next(_serial)
    return Image.objects.create(
        file=f"images/originals/test-{n}.jpg",
        title=f"Test image {n}",
        alt_text="A red car parked by a river.",
        width=1200,
        height=800,
        format="JPEG",
        byte_size=1000,
        content_hash=f"{n:064d}",
    )


@pytest.fixture
def make_article(db, section, image, writer):
    """make_article(status="published", by=user, **fields): a complete article in that status."""

    def make(status="draft", by=None, editor=None, **fields):
        by = by or writer
        author, _ = Author.objects.get_or_create(slug=by.username, defaults={"name": by.username.title(), "user": by})
        values = {
            "headline": f"Camry returns to Japan {next(_serial)}",
            "standfirst": "A short summary.",
            "body": "<p>The Camry is built in Georgetown, Kentucky.</p>",
            "section": section,
            "lead_image": image,
        } | fields
        article = Article(**values)
        save_article(
            article,
            by,
            message="First draft",
            save_related=lambda: Byline.objects.create(article=article, author=author),
        )
        if status == "draft":
            return article
        workflow.submit(article, by)
        if status == "in_review":
            return article
        editor = editor or _editor()
        workflow.approve(article, editor)
        if status == "approved":
            return article
        if status == "scheduled":
            return workflow.schedule(article, editor, timezone.now() + timedelta(hours=2))
        workflow.publish(article, editor)
        if status == "published":
            return article
        workflow.withdraw(article, editor, "Legal asked us to.")
        assert status == "withdrawn"
        return article

    return make


def _editor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from newsroom.core.roles import EDITOR

    user, created = get_user_model().objects.get_or_create(username="fixture-editor", defaults={"is_staff": True})
    if created:
        user.groups.add(Group.objects.get(name=EDITOR))
    return user


@pytest.fixture
def tags(db):
    return [Tag.objects.create(name=f"Tag {i}", slug=f"tag-{i}") for i in range(5)]
