"""Reads compiled once per connection (newsroom.core.prepared) answer what the ORM answers for
the same values, whatever values later calls bring, in one query each."""

from datetime import timedelta

import pytest
from django.db import models
from django.db.models.functions import Greatest
from django.utils import timezone

from articles.models import Article, Section, Status
from newsroom.core.prepared import Prepared, Shape, Utf8

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections():
    return [Section.objects.create(name=f"Section {n}", slug=f"section-{n}", position=10 - n) for n in range(4)]


SLUGS_NAMED = Prepared(
    lambda name: Section.objects.filter(name=name).values_list("slug", flat=True), name=models.CharField()
)
NAMES_OF = Prepared(
    lambda ids: Section.objects.filter(pk__in=ids).values_list("pk", "name"), ids=[models.IntegerField()]
)


def test_a_read_answers_each_call_with_that_calls_values(sections, django_assert_num_queries):
    for section in sections:
        with django_assert_num_queries(1):
            assert SLUGS_NAMED(name=section.name) == [section.slug]
    assert SLUGS_NAMED(name="No such section") == []


def test_a_list_of_values_of_any_length_and_none_without_a_query(sections, django_assert_num_queries):
    for count in (3, 1, 4, 3):
        ids = [section.pk for section in sections[:count]]
        orm = list(Section.objects.filter(pk__in=ids).values_list("pk", "name"))
        with django_assert_num_queries(1):
            assert NAMES_OF(ids=ids) == orm
    with django_assert_num_queries(0):
        assert NAMES_OF(ids=[]) == []


def test_moments_come_back_as_the_orm_gives_them_and_orderings_hold(sections):
    now = timezone.now()
    for hours in (-3, -1, 2, 5):
        Article.objects.create(
            headline=f"Story {hours}",
            slug=f"story-{hours}",
            section=sections[0],
            status=Status.PUBLISHED if hours < 0 else Status.SCHEDULED,
            publish_at=now + timedelta(hours=hours),
        )
    published_before = Prepared(
        lambda moment: Article.objects.filter(publish_at__lte=moment).values_list("slug", "publish_at"),
        moment=models.DateTimeField(),
    )
    for moment in (now, now + timedelta(hours=3), now - timedelta(days=1)):
        orm = list(Article.objects.filter(publish_at__lte=moment).values_list("slug", "publish_at"))
        assert published_before(moment=moment) == orm
    # Ordering by a column the caller does not select, and the ordering of the model's Meta.
    next_up = Prepared(
        lambda moment: (
            Article.objects.filter(publish_at__gt=moment).order_by("publish_at").values_list("slug", flat=True)[:1]
        ),
        moment=models.DateTimeField(),
    )
    assert next_up(moment=now) == ["story-2"]
    assert next_up(moment=now + timedelta(hours=9)) == []
    in_order = Prepared(lambda: Section.objects.values_list("slug", flat=True))
    assert (
        in_order()
        == list(Section.objects.values_list("slug", flat=True))
        == [
            "section-3",
            "section-2",
            "section-1",
            "section-0",
        ]
    )


def test_a_shape_writes_the_sql_and_each_value_gets_its_own_read(sections, django_assert_num_queries):
    newest_first = Prepared(
        lambda size, named: (
            Section.objects.filter(name__startswith=named).order_by("-pk").values_list("slug", flat=True)[:size]
        ),
        size=Shape(),
        named=models.CharField(),
    )
    for size in (1, 3, 1, 2):
        orm = list(Section.objects.filter(name__startswith="Section").order_by("-pk").values_list("slug", flat=True))
        with django_assert_num_queries(1):
            assert newest_first(size=size, named="Section") == orm[:size]
    assert newest_first(size=2, named="Nothing") == []


def test_columns_read_as_stored_compare_as_the_orm_values_do_and_convert_to_them(sections):
    now = timezone.now().replace(microsecond=0)
    for minutes in (0, 1, 90):  # whole seconds and fractions: stored texts of two lengths on SQLite
        Article.objects.create(
            headline=f"Story {minutes}",
            slug=f"story-{minutes}",
            section=sections[0],
            status=Status.PUBLISHED,
            publish_at=now - timedelta(minutes=minutes, microseconds=minutes * 7),
        )
    read = Prepared(
        lambda: Article.objects.order_by("pk").values_list("pk", "publish_at", Greatest("publish_at", "created_at")),
        as_stored=(1, 2),
    )
    rows = read()
    orm = list(Article.objects.order_by("pk").values_list("pk", "publish_at", Greatest("publish_at", "created_at")))
    assert [row[0] for row in rows] == [row[0] for row in orm]
    for position in (1, 2):
        assert read.convert(position, max(row[position] for row in rows)) == max(row[position] for row in orm)
        assert [read.convert(position, row[position]) for row in rows] == [row[position] for row in orm]


def test_a_text_column_read_as_utf8_is_its_text_encoded_and_the_other_columns_are_as_the_orm_reads_them(sections):
    # What a stored JSON document holds: non-ASCII text, and quotes, newlines and U+2028 as JSON escapes them.
    tricky = 'Caf\u00e9 \u2014 \\"quoted\\" \\n \\u2028 \u65e5\u672c \U0001f697'
    Section.objects.filter(pk=sections[1].pk).update(name=tricky)
    read = Prepared(
        lambda ids: Section.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "slug", Utf8("name")),
        ids=[models.IntegerField()],
    )
    ids = [section.pk for section in sections]
    orm = list(Section.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "slug", "name"))
    for rows in (
        read(ids=ids),
        list(Section.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "slug", Utf8("name"))),
    ):
        assert rows == [(pk, slug, name.encode()) for pk, slug, name in orm]
        assert all(type(row[2]) is bytes for row in rows)
    assert read(ids=[sections[1].pk])[0][2].decode() == tricky
