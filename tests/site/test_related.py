"""Related articles (``Article.objects.related_to``): what the article page's "Related" list shows."""

from datetime import timedelta

import pytest
from django.db.models import prefetch_related_objects
from django.utils import timezone

from articles.models import Article, Section, Status, Tag
from tests.site.conftest import make_live_article
from vehicles.models import VehicleModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(demo):
    """An article with two tags and one vehicle, and articles sharing some, all or none of them."""
    news, other = (Section.objects.create(name=name, slug=name) for name in ("ours", "theirs"))
    shared_tag, also_shared, unshared = (Tag.objects.create(name=n, slug=n) for n in ("t-one", "t-two", "t-three"))
    make = VehicleModel.objects.first().make  # the demo story shares none of these tags or vehicles
    vehicle = VehicleModel.objects.create(make=make, name="Testmobile", slug="testmobile", vehicle_type="car")

    def article(number, hours_ago, tags=(), vehicles=(), section=other, **fields):
        return make_live_article(number, section=section, tags=tags, vehicles=vehicles, hours_ago=hours_ago, **fields)

    return {
        "story": article(1, 1, [shared_tag, also_shared], [vehicle], section=news),
        "all_three": article(2, 30, [shared_tag, also_shared], [vehicle]),
        "two": article(3, 20, [also_shared], [vehicle]),
        "one_older": article(4, 10, [shared_tag, unshared]),
        "one_newer": article(5, 5, [shared_tag]),
        "same_section": article(6, 2, [unshared], section=news),
        "unrelated": article(7, 3, [unshared]),
        "draft": article(8, 1, [shared_tag, also_shared], [vehicle], status=Status.DRAFT),
        "future": article(9, -24, [shared_tag, also_shared], [vehicle], status=Status.SCHEDULED),
    }


def test_most_shared_first_then_newest_then_the_section(story):
    related = list(Article.objects.related_to(story["story"], 10))
    names = {article.pk: name for name, article in story.items()}
    assert [names[article.pk] for article in related] == ["all_three", "two", "one_newer", "one_older", "same_section"]
    assert [article.shared for article in related] == [3, 2, 1, 1, 0]


def test_limit_keeps_the_best(story):
    assert list(Article.objects.related_to(story["story"], 2)) == [story["all_three"], story["two"]]


def test_an_article_with_nothing_to_share_gets_its_section(story):
    loner = make_live_article(20, section=story["story"].section, hours_ago=0)
    Article.objects.filter(pk=story["same_section"].pk).update(publish_at=timezone.now() - timedelta(minutes=5))
    assert list(Article.objects.related_to(loner, 10)) == [story["same_section"], story["story"]]


def test_one_query_when_the_page_has_loaded_the_tags_and_vehicles(story, django_assert_num_queries):
    article = story["story"]
    prefetch_related_objects([article], "tags", "article_vehicles")
    with django_assert_num_queries(1):
        list(Article.objects.related_to(article, 4))
