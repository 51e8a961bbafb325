"""The read model (``articles.readmodel``) always equals a fresh build.

A seeded random sequence of editors' steps runs through the real code paths (the workflow, saves,
record edits, the renditions task), each step's on-commit callbacks and the tasks they queue run
as the worker would run them; after every step the stored forms, the related lists and every
public page must equal what a fresh build gives, and nothing unpublished may be stored anywhere.
Seeded, so a failure names the seed and step that reproduce it."""

import difflib
import io
import os
import random
import re
import sys
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from articles import readmodel, workflow
from articles.models import (
    CURRENT_VERSION,
    LIVE_STATUSES,
    Article,
    ArticleVehicle,
    Author,
    Byline,
    PendingChanges,
    PublicArticle,
    Representation,
    Section,
    ShownKey,
    Status,
    Tag,
)
from articles.services import (
    latest_version,
    publish_changes,
    publish_scheduled_changes,
    save_article,
    schedule_changes,
)
from newsroom.core import cache_keys
from newsroom.media.models import Image
from newsroom.media.tasks import make_reader_renditions
from tests.site.conftest import make_image
from vehicles import pages as vehicle_pages
from vehicles.models import MarketAvailability, Powertrain, VehicleModel

pytestmark = pytest.mark.django_db

# Two sequences of 40 steps in CI (~20 s each); a longer hunt: EQUALITY_SEEDS=1:50 EQUALITY_STEPS=80.
FIRST_SEED, LAST_SEED = (int(n) for n in os.environ.get("EQUALITY_SEEDS", "1:2").split(":"))
STEPS = int(os.environ.get("EQUALITY_STEPS", 40))
SEARCH_WORD = "Camry"
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"')
# An empty feed is dated by the clock (Django's feeds), not by any story.
EMPTY_FEED_UPDATED = re.compile(rb"</id><updated>[^<]+</updated>|<lastBuildDate>[^<]+</lastBuildDate>")


@pytest.fixture(autouse=True)
def fresh_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


class Newsroom:
    """The world the steps act on, and the steps."""

    def __init__(self, rng, capture, editor):
        self.rng, self.capture, self.editor = rng, capture, editor
        self.sections = list(Section.objects.all())
        self.tags = list(Tag.objects.all()) + [
            Tag.objects.create(name=f"Topic {n}", slug=f"topic-{n}") for n in range(3)
        ]
        self.authors = list(Author.objects.all())
        self.vehicles = list(VehicleModel.objects.all())
        self.images = [make_image(n) for n in range(2)]
        self.serial = 0
        self.log = []

    # Helpers

    def articles(self, *statuses, live=None):
        found = Article.objects.filter(status__in=statuses).order_by("pk")
        if live is not None:
            ids = set(Article.objects.live().values_list("pk", flat=True))
            found = [article for article in found if (article.pk in ids) == live]
        return list(found)

    def pick(self, *statuses, live=None):
        found = self.articles(*statuses, live=live)
        return self.rng.choice(found) if found else None

    def minute_ahead(self, hours):
        return timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours, minutes=1)

    def edit(self, article, **fields):
        """Save ``article`` as an editor does in the admin: a live one's save is a draft of changes,
        which the editor then publishes as an update."""
        article = Article.objects.get(pk=article.pk)
        for name, value in fields.items():
            setattr(article, name, value)
        self.save(article, "Edited")
        return article

    def save(self, article, message, save_related=None):
        revision = save_article(article, self.editor, latest_version(article), message, save_related=save_related)
        if article.is_live():
            publish_changes(article, self.editor, revision.version)

    # Steps: each returns a line for the log, or None when it does not apply now.

    def create(self):
        self.serial += 1
        n = self.serial
        words = self.rng.choice(["Camry", "Tundra", "Highlander", "Prius"])
        article = Article(
            headline=f"Story {n}: the {words} news",
            standfirst=f"Standfirst {n}.",
            body=f"<p>The {words} in story {n}.</p>",
            section=self.rng.choice(self.sections),
            lead_image=self.rng.choice(self.images),
        )
        tags = self.rng.sample(self.tags, self.rng.randint(0, min(3, len(self.tags))))
        vehicles = self.rng.sample(self.vehicles, self.rng.randint(0, 2))
        authors = self.rng.sample(self.authors, self.rng.randint(1, 2))

        def related():
            article.tags.set(tags)
            for position, author in enumerate(authors):
                Byline.objects.create(article=article, author=author, position=position)
            for position, vehicle in enumerate(vehicles):
                ArticleVehicle.objects.create(article=article, vehicle_model=vehicle, position=position)

        save_article(article, self.editor, message="First draft", save_related=related)
        goal = self.rng.choice(["published", "published", "published", "scheduled", "draft", "in_review", "approved"])
        if goal != "draft":
            workflow.submit(article, self.editor)
        if goal not in ("draft", "in_review"):
            workflow.approve(article, self.editor)
        if goal == "published":
            workflow.publish(article, self.editor)
        elif goal == "scheduled":
            workflow.schedule(article, self.editor, self.minute_ahead(self.rng.randint(1, 48)))
        return f"create {article.pk} as {goal}"

    def schedule(self):
        article = self.pick(Status.APPROVED)
        if not article:
            return None
        workflow.schedule(article, self.editor, self.minute_ahead(self.rng.randint(1, 48)))
        return f"schedule {article.pk}"

    def go_live(self):
        """A scheduled story's minute passes: its times are moved back (no test waits for a clock),
        as they would read had it been scheduled that long ago."""
        article = self.pick(Status.SCHEDULED, live=False)
        if not article:
            return None
        minute = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=self.rng.randint(1, 90))
        times = {"publish_at": minute}
        if article.first_published_at is None or article.first_published_at > minute:
            times |= {"first_published_at": minute, "last_published_at": minute}
        Article.objects.filter(pk=article.pk).update(**times)
        readmodel.sync([article.pk])  # as scheduled that long ago
        cache.clear()  # no page is kept past a go-live minute (pagecache.next_go_live)
        return f"go live {article.pk} at {minute:%H:%M}"

    def update(self):
        article = self.pick(*LIVE_STATUSES, live=True)
        if not article:
            return None
        word = self.rng.choice(["Camry", "Tundra", "Crown"])
        self.edit(article, headline=f"{article.headline.split(' (')[0]} ({word} update)", standfirst=f"Now {word}.")
        return f"update {article.pk}"

    def edit_scheduled(self):
        article = self.pick(Status.SCHEDULED, live=False)
        if not article:
            return None
        self.edit(article, headline=f"{article.headline} (revised)")
        return f"edit scheduled {article.pk}"

    def rename_slug(self):
        article = self.pick(*LIVE_STATUSES, Status.APPROVED)
        if not article or PendingChanges.objects.filter(article=article, scheduled_for__isnull=False).exists():
            return None  # scheduled changes keep the address (``workflow.SCHEDULED_SLUG_REFUSAL``)
        self.serial += 1
        self.edit(article, slug=f"renamed-{self.serial}")
        return f"rename slug of {article.pk}"

    def correct(self):
        article = self.pick(*LIVE_STATUSES, live=True)
        if not article:
            return None
        workflow.correct(article, self.editor, f"We misnamed the plant (step {len(self.log)}).")
        return f"correct {article.pk}"

    def withdraw(self):
        article = self.pick(*LIVE_STATUSES)
        if not article:
            return None
        workflow.withdraw(article, self.editor, "Legal asked us to.")
        return f"withdraw {article.pk}"

    def republish(self):
        article = self.pick(Status.WITHDRAWN)
        if not article:
            return None
        workflow.redraft(article, self.editor)
        workflow.submit(article, self.editor)
        workflow.approve(article, self.editor)
        if self.rng.random() < 0.7:
            workflow.publish(article, self.editor)
        return f"redraft and republish {article.pk}"

    def unschedule(self):
        article = self.pick(Status.SCHEDULED, live=False)
        if not article:
            return None
        workflow.unschedule(article, self.editor)
        return f"unschedule {article.pk}"

    def retag(self):
        """Tags and vehicles of a live story change, then the update publishes them."""
        article = self.pick(*LIVE_STATUSES, live=True)
        if not article:
            return None
        article = Article.objects.get(pk=article.pk)
        tags = self.rng.sample(self.tags, self.rng.randint(0, min(3, len(self.tags))))
        vehicles = self.rng.sample(self.vehicles, self.rng.randint(0, 2))

        def related():
            article.tags.set(tags)
            ArticleVehicle.objects.filter(article=article).delete()
            for position, vehicle in enumerate(vehicles):
                ArticleVehicle.objects.create(article=article, vehicle_model=vehicle, position=position)

        self.save(article, "Retagged", save_related=related)
        return f"retag {article.pk}"

    def schedule_changes(self):
        """A live story's new headline, and sometimes new tags, scheduled for a later minute (or
        moved to another)."""
        article = self.pick(*LIVE_STATUSES, live=True)
        if not article:
            return None
        article = Article.objects.get(pk=article.pk)
        article.headline = f"{article.headline.split(' (')[0]} (scheduled {len(self.log)})"
        tags = self.rng.sample(self.tags, self.rng.randint(0, min(3, len(self.tags))))
        related = (lambda: article.tags.set(tags)) if self.rng.random() < 0.5 else None
        revision = save_article(article, self.editor, latest_version(article), "For later", save_related=related)
        schedule_changes(article, self.editor, revision.version, self.minute_ahead(self.rng.randint(1, 48)))
        return f"schedule changes of {article.pk}"

    def changes_due(self):
        """Scheduled changes' minute passes (moved back, as for ``go_live``); no worker yet."""
        pending = PendingChanges.objects.filter(scheduled_for__gt=timezone.now()).order_by("pk")
        pending = self.rng.choice(pending) if pending else None
        if not pending:
            return None
        minute = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=self.rng.randint(1, 90))
        PendingChanges.objects.filter(pk=pending.pk).update(scheduled_for=minute)
        readmodel.sync([pending.article_id])  # as scheduled for that minute
        cache.clear()  # no page is kept past the minute (pagecache.next_go_live)
        return f"changes of {pending.article_id} due at {minute:%H:%M}"

    def publish_due_changes(self):
        """The worker comes by after the minute."""
        pending = PendingChanges.objects.filter(scheduled_for__lte=timezone.now()).order_by("pk")
        pending = self.rng.choice(pending) if pending else None
        if not pending:
            return None
        outcome = publish_scheduled_changes.call(pending.article_id, pending.scheduled_for.isoformat())
        return f"worker: changes of {pending.article_id} {outcome}"

    def rename_record(self):
        record = self.rng.choice(self.tags + self.sections + self.authors)
        record.refresh_from_db()
        self.serial += 1
        record.name = f"{record.name.split(' #')[0]} #{self.serial}"
        if self.rng.random() < 0.3:
            record.slug = f"{record._meta.model_name}-{self.serial}"
        record.save()
        return f"rename {record._meta.model_name} {record.pk}"

    def delete_tag(self):
        if len(self.tags) < 3:
            return None
        tag = self.tags.pop(self.rng.randrange(len(self.tags)))
        line = f"delete tag {tag.pk}"
        tag.delete()
        return line

    def change_image(self):
        image = Image.objects.get(pk=self.rng.choice(self.images).pk)
        self.serial += 1
        if self.rng.random() < 0.5:
            image.alt_text = f"A test picture, version {self.serial}."
            image.save()
            return f"alt text of image {image.pk}"
        image.focal_x, image.focal_y = self.rng.choice([0.2, 0.5, 0.8]), self.rng.choice([0.3, 0.7])
        image.save()
        make_reader_renditions(image)
        return f"focal point of image {image.pk}"

    def change_vehicle(self):
        vehicle = self.rng.choice(self.vehicles)
        self.serial += 1
        which = self.rng.choice(["model", "powertrain", "availability"])
        if which == "model":
            vehicle.refresh_from_db()
            vehicle.name = f"{vehicle.name.split(' #')[0]} #{self.serial}"
            vehicle.save()
        elif which == "powertrain":
            powertrain = Powertrain.objects.filter(vehicle_model=vehicle).first()
            if not powertrain:
                return None
            powertrain.name = f"{powertrain.name.split(' #')[0]} #{self.serial}"
            powertrain.save()
        else:
            availability = MarketAvailability.objects.filter(vehicle_model=vehicle).first()
            if not availability:
                return None
            availability.note = f"Note {self.serial}."
            availability.save()
        return f"vehicle {vehicle.pk}: {which}"

    STEPS = {
        "create": 6,
        "schedule": 1,
        "go_live": 2,
        "update": 3,
        "edit_scheduled": 1,
        "rename_slug": 1,
        "correct": 1,
        "withdraw": 2,
        "republish": 1,
        "unschedule": 1,
        "retag": 3,
        "schedule_changes": 2,
        "changes_due": 2,
        "publish_due_changes": 1,
        "rename_record": 2,
        "delete_tag": 1,
        "change_image": 1,
        "change_vehicle": 2,
    }

    def step(self):
        while True:
            [name] = self.rng.choices(list(self.STEPS), weights=list(self.STEPS.values()))
            with self.capture(execute=True):  # the step commits; its tasks run as the worker runs them
                line = getattr(self, name)()
            if line:
                self.log.append(line)
                return line


# What must hold after every step.


def version_kind(kind, live_from):
    """A stored form's kind, and for a scheduled version its minute: "page@2026-12-06T10:00:00+00:00"."""
    return kind if live_from == CURRENT_VERSION else f"{kind}@{live_from.isoformat()}"


def stored_state():
    rows = {row.pk: row for row in PublicArticle.objects.all()}
    forms = {}
    for article_id, kind, live_from, content in Representation.objects.values_list(
        "article_id", "kind", "live_from", "content"
    ):
        forms.setdefault(article_id, {})[version_kind(kind, live_from)] = content
    shown = {}
    for article_id, key in ShownKey.objects.values_list("article_id", "key"):
        shown.setdefault(article_id, set()).add(key)
    return rows, forms, shown


def differences(stored, fresh):
    """The first differing lines of each form that differs, to read in a failure."""
    lines = []
    for kind in sorted(set(stored) | set(fresh)):
        if stored.get(kind) != fresh.get(kind):
            diff = difflib.unified_diff(
                (stored.get(kind) or "").splitlines(),
                (fresh.get(kind) or "").splitlines(),
                "stored",
                "fresh",
                n=0,
                lineterm="",
            )
            lines += [f"[{kind}]", *list(diff)[2:8]]
    return "\n".join(lines)


def assert_stored_equals_a_fresh_build():
    rows, forms, shown = stored_state()
    public = set(Article.objects.filter(status__in=LIVE_STATUSES).values_list("pk", flat=True))
    assert set(rows) == public, "stored iff published or scheduled"
    built = readmodel.build_versions(public)
    for article_id, item in built.items():
        row, article = rows[article_id], item.article
        stored = forms.get(article_id, {})
        fresh = dict(item.forms)
        if item.next:  # scheduled changes: the version they make, stored with their minute
            fresh |= {version_kind(kind, item.changes_at): text for kind, text in item.next.forms.items()}
        assert stored == fresh, f"stored forms of {article_id} ({article.status}): " + differences(stored, fresh)
        assert row.related == item.related, f"related stories of {article_id}"
        assert row.links == readmodel.links_of(article), f"links of {article_id}"
        assert (row.publish_at, row.first_published, row.last_updated, row.slug) == (
            article.publish_at,
            article.first_published,
            article.last_updated,
            article.slug,
        ), f"times and slug of {article_id}"
        assert row.changes_at == item.changes_at, f"scheduled changes' minute of {article_id}"
        wanted = (
            item.keys | {cache_keys.key(Article, pk) for pk in item.related} | (item.next.keys if item.next else set())
        )
        assert shown.get(article_id, set()) == wanted, f"shown keys of {article_id}"


def assert_nothing_unpublished_is_stored():
    _, forms, _ = stored_state()
    everything = "\n".join(text for kinds in forms.values() for text in kinds.values())
    related = {pk for row in PublicArticle.objects.all() for pk in row.related}
    for article in Article.objects.exclude(status__in=LIVE_STATUSES):
        assert article.headline not in everything, f"unpublished {article.pk} ({article.status}) stored"
        assert f"/articles/{article.slug}/" not in everything, f"unpublished {article.pk} linked"
        assert article.pk not in related, f"unpublished {article.pk} among related stories"


def public_pages():
    live = Article.objects.live()
    pages = ["/", "/latest/", f"/search/?q={SEARCH_WORD}", "/feed/atom/", "/feed/rss/", "/sitemap.xml"]
    pages += ["/sitemap-news.xml"]
    pages += [f"/section/{slug}/" for slug in Section.objects.values_list("slug", flat=True)]
    pages += [
        f"/tag/{slug}/" for slug in Tag.objects.filter(articles__in=live).distinct().values_list("slug", flat=True)
    ]
    pages += [
        f"/author/{slug}/"
        for slug in Author.objects.filter(bylines__article__in=live).distinct().values_list("slug", flat=True)
    ]
    pages += [f"/articles/{slug}/" for slug in live.values_list("slug", flat=True)]
    pages += [f"/vehicles/{make}/{model}/" for make, model in VehicleModel.objects.values_list("make__slug", "slug")]
    return sorted(pages)


def read(client, pages, *, cached=False):
    """{page: (status, body)}: through the page cache as readers get them, or (by default) rendered
    now from the stored forms."""
    if not cached:
        cache.clear()
    answers = {}
    for page in pages:
        response = client.get(page)
        body = CSRF.sub(b"", response.content)
        if (b"<feed" in body and b"<entry>" not in body) or (b"<rss" in body and b"<item>" not in body):
            body = EMPTY_FEED_UPDATED.sub(lambda found: b"</id>" if found[0].startswith(b"</id>") else b"", body)
        answers[page] = (response.status_code, body)
    return answers


def page_differences(answers, fresh, page):
    (status, body), (fresh_status, fresh_body) = answers[page], fresh[page]
    if status != fresh_status:
        return f"answered {status}, a fresh build {fresh_status}"
    return differences({"page": body.decode()}, {"page": fresh_body.decode()})


def assert_pages_equal_a_fresh_build(client):
    """Every public page, as the page cache serves it (pages kept since the last check, each step
    having told the caches what changed) and rendered from the stored forms, equals the page a
    fresh build of every story gives."""
    pages = public_pages()
    cached = read(client, pages, cached=True)
    served = read(client, pages)
    for page, (status, _) in served.items():
        assert status == 200, f"{page} answered {status}"
    with transaction.atomic():
        readmodel.rebuild_all(everything=True)
        vehicle_pages.rebuild_all(everything=True)
        fresh = read(client, pages)
        transaction.set_rollback(True)  # the stored forms stay as the steps left them
    # The page cache now holds the fresh build's pages, which equal the stored forms' (below):
    # the next check reads them back through whatever the steps until then invalidated.
    for page in pages:
        assert served[page] == fresh[page], f"{page} differs from a fresh build: " + page_differences(
            served, fresh, page
        )
        assert cached[page] == fresh[page], f"{page} served stale from the page cache: " + page_differences(
            cached, fresh, page
        )
    stored_live = set(PublicArticle.objects.live().values_list("pk", flat=True))
    assert stored_live == set(Article.objects.live().values_list("pk", flat=True))
    linked = set(re.findall(rb'href="/articles/([^/"]+)/"', b"".join(body for _, body in served.values())))
    live_slugs = {slug.encode() for slug in Article.objects.live().values_list("slug", flat=True)}
    assert linked <= live_slugs, f"pages link to stories not live: {linked - live_slugs}"


@pytest.mark.parametrize("seed", range(FIRST_SEED, LAST_SEED + 1))
def test_the_read_model_always_equals_a_fresh_build(seed, client, demo, editor, django_capture_on_commit_callbacks):
    """The demo content (its sections, tags, authors and vehicle records) and what the steps add."""
    newsroom = Newsroom(random.Random(seed), django_capture_on_commit_callbacks, editor)
    for number in range(STEPS):
        line = newsroom.step()
        context = f"seed {seed}, step {number}: {line}\n  after: " + "\n  ".join(newsroom.log)
        try:
            assert_stored_equals_a_fresh_build()
            assert_nothing_unpublished_is_stored()
            if number % 4 == 3 or number == STEPS - 1:  # pages cost more: every fourth step
                assert_pages_equal_a_fresh_build(client)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{context}") from error


# The management command a deploy that changes a stored form's shape runs.


def rebuild_read_model(*args):
    """What the command says of the articles (its next line is the vehicle pages', in tests/vehicles)."""
    out = io.StringIO()
    call_command("rebuild_read_model", *args, stdout=out)
    return out.getvalue().splitlines()[0]


@pytest.fixture
def stored(make_article):
    """Three published stories and a scheduled one, stored; a draft and a withdrawn one, not."""
    live = [make_article("published") for _ in range(3)] + [make_article("scheduled")]
    make_article("draft")
    make_article("withdrawn")
    return live


def test_rebuilding_a_current_read_model_changes_nothing(stored):
    assert rebuild_read_model() == "Rebuilt 0 articles: 0 changed, 0 no longer public dropped."
    assert rebuild_read_model("--all") == "Rebuilt 4 articles: 0 changed, 0 no longer public dropped."
    assert_stored_equals_a_fresh_build()


def test_a_shape_bump_rebuilds_every_article_once(stored, monkeypatch):
    monkeypatch.setattr(readmodel, "SHAPE", readmodel.SHAPE + 1)

    assert rebuild_read_model() == "Rebuilt 4 articles: 4 changed, 0 no longer public dropped."
    assert set(PublicArticle.objects.values_list("shape", flat=True)) == {readmodel.SHAPE}
    assert rebuild_read_model() == "Rebuilt 0 articles: 0 changed, 0 no longer public dropped."


def test_the_command_stores_what_was_written_around_the_read_model(stored):
    """A database upgraded from before the read model, or written around it: a story not stored,
    and a stored one, related to the others, no longer public."""
    unpublished, _, missing, _ = stored
    PublicArticle.objects.filter(pk=missing.pk).delete()
    Article.objects.filter(pk=unpublished.pk).update(status=Status.DRAFT)
    assert sum(unpublished.pk in related for related in PublicArticle.objects.values_list("related", flat=True)) == 2

    # The missing story, and the two stories whose related lists held the one dropped.
    assert rebuild_read_model() == "Rebuilt 3 articles: 3 changed, 1 no longer public dropped."
    assert_stored_equals_a_fresh_build()
    assert_nothing_unpublished_is_stored()
    assert rebuild_read_model() == "Rebuilt 0 articles: 0 changed, 0 no longer public dropped."


def test_every_article_is_rebuilt_on_request(stored):
    Representation.objects.filter(article_id=stored[1].pk, kind="page").update(content="<p>An old shape</p>")

    assert rebuild_read_model() == "Rebuilt 0 articles: 0 changed, 0 no longer public dropped."
    assert rebuild_read_model("--all") == "Rebuilt 4 articles: 1 changed, 0 no longer public dropped."
    assert_stored_equals_a_fresh_build()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_command_shows_its_progress_on_a_terminal_only(stored, monkeypatch):
    monkeypatch.setattr(readmodel, "BATCH", 3)
    monkeypatch.setattr("sys.stderr", Terminal())
    rebuild_read_model("--all")
    bars = sys.stderr.getvalue()
    assert bars == f"\r[{'#' * 22}{'.' * 8}] 3/4\r[{'#' * 30}] 4/4\n"

    monkeypatch.setattr("sys.stderr", io.StringIO())  # a pipe or a log
    rebuild_read_model("--all")
    assert sys.stderr.getvalue() == ""
