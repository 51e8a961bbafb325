"""Invalidation by key: a change makes stale only the pages that show what it touched, and every
public answer names those keys in ``Surrogate-Key`` for an edge cache."""

import pytest
from django.test import Client

from articles import workflow
from articles.models import Article, MarketReport, Section, Status, Tag
from newsroom.core import cache_keys
from newsroom.core.signals import public_keys_changed
from tests.site.conftest import TOYOTA_SLUG, make_image, make_live_article

pytestmark = pytest.mark.django_db
STORY_URL = f"/articles/{TOYOTA_SLUG}/"


@pytest.fixture
def unrelated(newsroom):
    """A live story sharing no section, tag, byline or vehicle with anything else."""
    section = Section.objects.create(name="Motorsport", slug="motorsport", position=9)
    tag = Tag.objects.create(name="Rally", slug="rally")
    return make_live_article(200, section=section, tags=[tag], image=make_image(200), headline="Rally season opens")


@pytest.fixture
def ready(newsroom):
    """An approved story in the Toyota story's section, with its tags and vehicles: publishing it
    changes the home, section, tag and vehicle pages."""
    story = newsroom["story"]
    return make_live_article(
        300,
        section=story.section,
        tags=list(story.tags.all()),
        vehicles=list(story.vehicle_models.all()),
        image=make_image(300),
        headline="Camry exports to Japan begin",
        status=Status.APPROVED,
        publish_at=None,
        first_published_at=None,
        last_published_at=None,
    )


def _served_from_cache(client, url, django_assert_num_queries):
    with django_assert_num_queries(0):
        return client.get(url)


def _list_pages(story):
    vehicle = story.vehicle_models.first()
    tag = story.tags.first()
    return ["/", f"/section/{story.section.slug}/", f"/tag/{tag.slug}/", vehicle.get_absolute_url()]


def test_a_publish_shows_on_its_lists_at_once_and_leaves_an_unrelated_page_cached(
    client, newsroom, unrelated, ready, editor, django_assert_num_queries, django_capture_on_commit_callbacks
):
    pages = _list_pages(newsroom["story"])
    unrelated_url = unrelated.get_absolute_url()
    for url in [*pages, unrelated_url, STORY_URL]:
        assert client.get(url).status_code == 200, url
        assert ready.headline not in _served_from_cache(client, url, django_assert_num_queries).text, url

    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(ready, editor)

    for url in pages:
        assert ready.headline in client.get(url).text, url
    assert _served_from_cache(client, unrelated_url, django_assert_num_queries).text.count("Rally season opens")


def test_renaming_a_tag_refreshes_the_pages_showing_it_and_no_other(
    client, newsroom, unrelated, django_assert_num_queries, django_capture_on_commit_callbacks
):
    tag = Tag.objects.get(slug="toyota")
    showing = ["/tag/toyota/", STORY_URL]
    for url in [*showing, unrelated.get_absolute_url()]:
        client.get(url)
    tag.name = "Toyota Motor"
    with django_capture_on_commit_callbacks(execute=True):
        tag.save()
    for url in showing:
        assert "Toyota Motor" in client.get(url).text, url
    _served_from_cache(client, unrelated.get_absolute_url(), django_assert_num_queries)


def test_a_withdrawal_removes_the_story_from_every_page_that_showed_it(
    client, newsroom, editor, django_capture_on_commit_callbacks
):
    story = newsroom["story"]
    author = story.authors.first()
    pages = [*_list_pages(story), "/latest/", f"/author/{author.slug}/", "/feed/rss/", "/sitemap.xml"]
    # A story in another section whose only tag the Toyota story shares: its page lists the story as related.
    recall = Tag.objects.create(name="Recall", slug="recall")
    story.tags.add(recall)
    # Published after it (related stories are earlier ones).
    other = make_live_article(
        201, section=Section.objects.create(name="Safety", slug="safety"), tags=[recall], hours_ago=0
    )
    pages.append(other.get_absolute_url())

    for url in pages:
        assert story.slug in client.get(url).text, url
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(story, editor, "Legal advice.")

    assert client.get(STORY_URL).status_code == 410
    for url in pages:
        text = client.get(url).text
        assert story.slug not in text, url


def test_keys_are_sent_after_the_commit_and_a_withdrawal_is_hard(newsroom, editor, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, keys, hard, **kwargs):
        heard.append((keys, hard))

    public_keys_changed.connect(listener)
    try:
        story = newsroom["story"]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            workflow.withdraw(story, editor, "Legal advice.")
        assert heard == []
        with django_capture_on_commit_callbacks(execute=True):  # the workflow's own, then the keys'
            for callback in callbacks:
                callback()
    finally:
        public_keys_changed.disconnect(listener)
    # The withdrawal's message, and one for the pages whose related stories it changed (the read
    # model's: they may serve what they still hold meanwhile).
    [(keys, hard)] = [(keys, hard) for keys, hard in heard if f"article-{story.pk}" in keys]
    assert [hard for keys, hard in heard if f"article-{story.pk}" not in keys] in ([], [False])
    assert hard is True
    vehicle = story.vehicle_models.first()
    # The lists it was on: the stories filed under its section, tags, authors and vehicles.
    expected = {f"article-{story.pk}", f"section-{story.section_id}.stories", f"vehicle-{vehicle.pk}.stories"}
    expected |= {"home", "feed"} | {f"tag-{tag.pk}.stories" for tag in story.tags.all()}
    expected |= {f"author-{author.pk}.stories" for author in story.authors.all()}
    assert expected <= keys


def test_a_batch_of_changes_is_announced_once(newsroom, django_capture_on_commit_callbacks):
    """A CSV import's batch of rows is one message to the caches (and one purge per edge), not one
    per row."""
    heard = []

    def listener(sender, keys, hard, **kwargs):
        heard.append(keys)

    tags = [Tag.objects.create(name=f"Batch {n}", slug=f"batch-{n}") for n in range(3)]
    public_keys_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True), cache_keys.batched():
            for tag in tags:
                tag.name += " renamed"
                tag.save()
        with django_capture_on_commit_callbacks(execute=True):  # outside a batch: each change its own
            tags[0].save()
    finally:
        public_keys_changed.disconnect(listener)
    assert heard == [{f"tag-{tag.pk}" for tag in tags} | {"tags"}, {f"tag-{tags[0].pk}", "tags"}]


def _keys(response):
    return set(response[cache_keys.HEADER].split())


def test_each_public_page_names_the_keys_of_what_it_shows(client, newsroom):
    story = newsroom["story"]
    tag = story.tags.first()
    author = story.authors.first()
    vehicle = story.vehicle_models.select_related("make").first()
    article = f"article-{story.pk}"

    page = _keys(client.get(STORY_URL))
    assert {article, f"section-{story.section_id}", f"image-{story.lead_image_id}", "sections", "authors"} <= page
    assert {f"tag-{tag.pk}" for tag in story.tags.all()} <= page
    assert {f"vehicle-{vehicle.pk}", f"make-{vehicle.make_id}"} <= page
    assert "home" not in page and "articles" not in page

    assert {"home", article, f"image-{story.lead_image_id}", "sections"} <= _keys(client.get("/"))
    assert {"articles", article} <= _keys(client.get("/latest/"))
    assert {f"section-{story.section_id}", article} <= _keys(client.get(f"/section/{story.section.slug}/"))
    assert {f"tag-{tag.pk}", article} <= _keys(client.get(f"/tag/{tag.slug}/"))
    assert {f"author-{author.pk}", article} <= _keys(client.get(f"/author/{author.slug}/"))
    assert {"feed", "tags"} <= _keys(client.get("/feed/atom/"))
    assert {"feed", f"section-{story.section_id}"} <= _keys(client.get(f"/section/{story.section.slug}/feed/rss/"))
    assert {"sitemap", "vehicles"} <= _keys(client.get("/sitemap.xml"))
    assert {"sitemap"} <= _keys(client.get("/sitemap-news.xml"))
    assert {f"vehicle-{vehicle.pk}", f"make-{vehicle.make_id}", article} <= _keys(
        client.get(vehicle.get_absolute_url())
    )
    assert {"vehicles", "makes"} <= _keys(client.get("/vehicles/"))
    assert {"articles", article} <= _keys(client.get("/search/?q=toyota"))


def test_api_answers_name_their_keys(newsroom):
    from tests.syndication.conftest import ApiClient, make_partner

    api = ApiClient(Client(), make_partner().issue_key()[1])
    story = newsroom["story"]
    listing = api.get("/api/v1/articles/")
    assert listing.status_code == 200
    assert {"articles", f"article-{story.pk}", f"section-{story.section_id}"} <= _keys(listing)
    detail = api.get(f"/api/v1/articles/{story.pk}/", HTTP_ACCEPT="application/ninjs+json")
    assert {f"article-{story.pk}", f"image-{story.lead_image_id}"} <= _keys(detail)
    assert {f"tag-{tag.pk}" for tag in story.tags.all()} <= _keys(detail)
    assert "articles" in _keys(api.get("/api/v1/changes/"))
    vehicle = story.vehicle_models.first()
    assert f"vehicle-{vehicle.pk}" in _keys(api.get(f"/api/v1/vehicle-models/{vehicle.pk}/"))


def test_editors_admin_and_preview_links_get_no_keys(client, newsroom, editor):
    from django.conf import settings

    from articles.preview import share_url

    signed_in = Client()
    signed_in.force_login(editor)
    assert cache_keys.HEADER not in signed_in.get(STORY_URL)
    assert cache_keys.HEADER not in signed_in.get("/admin/articles/article/")
    draft = newsroom["draft"]
    Article.objects.filter(pk=draft.pk).update(lead_image=make_image(400))
    preview = client.get(share_url(draft).removeprefix(settings.SITE_URL))
    assert preview.status_code == 200
    assert cache_keys.HEADER not in preview


def test_a_story_reporting_a_launch_comes_back_on_the_vehicle_page_when_republished(
    client, newsroom, editor, django_capture_on_commit_callbacks
):
    """The vehicle page links the story that reported a launch, and lists it, while it is live, even
    when the story is not filed under the vehicle: its withdrawal and its return both reach the
    page kept in the cache between them (a stale page found by the read model's equality hunt)."""
    vehicle = newsroom["story"].vehicle_models.first()
    launch = vehicle.availabilities.first()
    reporter = make_live_article(
        202, section=newsroom["story"].section, image=make_image(202), headline="Camry on sale in Japan"
    )
    MarketReport.objects.update_or_create(availability=launch, defaults={"article": reporter})
    url = vehicle.get_absolute_url()
    assert reporter.slug in client.get(url).text

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(reporter, editor, "Wrong date.")
    assert reporter.slug not in client.get(url).text  # and the page is cached without it
    with django_capture_on_commit_callbacks(execute=True):
        for step in (workflow.redraft, workflow.submit, workflow.approve, workflow.publish):
            step(reporter, editor)
    assert reporter.slug in client.get(url).text
