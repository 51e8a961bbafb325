"""Existing databases upgrade to the apps' own schemas and lose nothing.

The article search document moved from core's migrations to articles' own 0006. Every database
built before that ran core's 0002 and 0003 (``core_migrations_at_main``); it must run ``migrate``
to the new layout without running anything twice or losing a row, a document or the trigger, and
end with the schema a new database gets.

The article that reported a launch moved from the vehicles app's ``reported_in`` column to the
articles app's ``MarketReport`` (articles' 0007 copies, vehicles' 0004 drops the column). A
database built before (``vehicles_migrations_at_main``) keeps every link.
"""

import contextlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from articles import readmodel
from articles.models import Article, MarketReport
from newsroom.core.signals import public_keys_changed
from vehicles.models import VehicleModel

AT_MAIN = {"core": "tests.articles.core_migrations_at_main"}
MOVED = [("core", "0002_article_search_index"), ("core", "0003_article_search_document")]
SEARCH_DOCUMENT = ("articles", "0006_search_document")


# The migrations after 0006 that need it (or one after it).
AFTER_SEARCH_DOCUMENT = [
    ("articles", "0007_market_report"),
    ("articles", "0008_read_model"),
    ("articles", "0009_pending_changes"),
    ("articles", "0010_public_article_dates"),
    ("articles", "0011_scheduled_changes"),
    ("articles", "0012_public_article_section_and_image"),
    ("articles", "0013_sqlite_search_index"),
    ("vehicles", "0004_remove_marketavailability_reported_in"),
    ("vehicles", "0005_stored_vehicle_page"),
]


@contextlib.contextmanager
def code_before_the_read_model():
    """Rows written as the code of a database without the read model's tables wrote them: nothing
    is built or rebuilt (the upgrade's ``rebuild_read_model`` stores them)."""
    public_keys_changed.disconnect(dispatch_uid="articles.readmodel.records")
    try:
        yield
    finally:
        public_keys_changed.connect(readmodel.on_public_keys_changed, dispatch_uid="articles.readmodel.records")


def plan_names(executor, targets):
    return [(migration.app_label, migration.name) for migration, _ in executor.migration_plan(targets)]


def executor_at_main():
    """Migrations as they stood before the move: core's 0002 and 0003 are real nodes again, and
    articles' 0006 is not a replacement (else migrate() would record it once they are applied)."""
    executor = MigrationExecutor(connection)
    executor.loader = MigrationLoader(connection, replace_migrations=False)
    executor.loader.replacements.clear()
    return executor


def applied():
    return set(MigrationExecutor(connection).recorder.applied_migrations())


def articles_schema():
    """What a reader of the schema sees of articles_article: columns, indexes, and its trigger."""
    with connection.cursor() as cursor:
        columns = {column.name for column in connection.introspection.get_table_description(cursor, "articles_article")}
        indexes = connection.introspection.get_constraints(cursor, "articles_article")
        triggers = []
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
                " WHERE tgrelid = 'articles_article'::regclass AND NOT tgisinternal"
            )
            triggers = cursor.fetchall()
    return columns, indexes, triggers


def search_documents():
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_document::text FROM articles_article")
        return dict(cursor.fetchall())


def matching(word):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM articles_article WHERE search_document @@ plainto_tsquery('english', %s)", [word]
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_built_at_main_upgrades_without_running_anything_twice(settings, make_article):
    new_database_schema = articles_schema()
    assert {*MOVED, SEARCH_DOCUMENT} <= applied(), "a new database records what 0006 replaces"

    # Back to the state of a database built before the move: core's 0002 and 0003 ran, 0006 did not.
    settings.MIGRATION_MODULES = AT_MAIN
    executor_at_main().migrate([("articles", "0005_withdrawal_reason")])
    assert not {*MOVED, SEARCH_DOCUMENT} & applied()
    executor_at_main().migrate([MOVED[-1]])
    assert {*MOVED} <= applied() and SEARCH_DOCUMENT not in applied()
    assert articles_schema() == new_database_schema
    # Published by the code of the time, which had no read model to build: its row says so.
    with code_before_the_read_model():
        published = make_article("approved", headline="The quadricycle returns")
        Article.objects.filter(pk=published.pk).update(status="published", publish_at=timezone.now())
        draft = make_article("draft", standfirst="A velomobile joins the range.")
    documents = search_documents()

    settings.MIGRATION_MODULES = {}
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    # Only what came after 0006 runs (going back to 0005 unapplied it): nothing runs again.
    assert plan_names(executor, leaves) == AFTER_SEARCH_DOCUMENT
    executor.migrate(leaves)

    assert SEARCH_DOCUMENT in applied()
    assert articles_schema() == new_database_schema
    assert search_documents() == documents
    assert Article.objects.get(pk=published.pk).status == "published"
    assert Article.objects.get(pk=draft.pk).standfirst == "A velomobile joins the range."
    if connection.vendor == "postgresql":
        assert matching("quadricycles") == {published.pk}
        assert matching("velomobile") == {draft.pk}
        Article.objects.filter(pk=draft.pk).update(body="<p>A tricycle, too.</p>")
        assert matching("tricycle") == {draft.pk}, "the trigger still keeps the document current"


# Every app's migrations as they stood before the launch reports moved to the articles app.
BEFORE_MARKET_REPORT = {
    "core": "tests.articles.core_migrations_at_main",
    "articles": "tests.articles.articles_migrations_at_main",
    "vehicles": "tests.articles.vehicles_migrations_at_main",
}
MARKET_REPORT_MOVE = AFTER_SEARCH_DOCUMENT


def columns(table):
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def reported_in_column():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, reported_in_id FROM vehicles_marketavailability WHERE reported_in_id IS NOT NULL")
        return set(cursor.fetchall())


def launches_at_main(state_apps):
    """Two launches of a model, one reported in a live story, as editors made them before the move."""
    Article = state_apps.get_model("articles", "Article")
    Make = state_apps.get_model("vehicles", "Make")
    VehicleModel = state_apps.get_model("vehicles", "VehicleModel")
    Market = state_apps.get_model("vehicles", "Market")
    MarketAvailability = state_apps.get_model("vehicles", "MarketAvailability")
    story = Article.objects.create(
        headline="The quadricycle reaches Japan",
        slug="quadricycle-japan",
        status="published",
        publish_at=timezone.now() - timedelta(hours=1),
    )
    make = Make.objects.create(name="Velo", slug="velo", country="DE")
    model = VehicleModel.objects.create(
        make=make, name="Quad", slug="quad", vehicle_type="passenger_car", body_class="Sedan/Saloon"
    )
    japan = Market.objects.create(name="Japan", country="JP", slug="japan", steering_side="right")
    reported = MarketAvailability.objects.create(
        vehicle_model=model, market=japan, status="announced", reported_in=story
    )
    unreported = MarketAvailability.objects.create(vehicle_model=model, market=japan, status="on_sale")
    return model.pk, story.pk, reported.pk, unreported.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_built_before_the_move_keeps_every_launch_report(settings):
    new_database_columns = columns("vehicles_marketavailability")
    assert "reported_in_id" not in new_database_columns

    # Take back everything built on the vehicles app (the articles app's migrations too), then build
    # it again as every database before the move was built: a reported_in foreign key on launches.
    MigrationExecutor(connection).migrate([("vehicles", None)])
    settings.MIGRATION_MODULES = BEFORE_MARKET_REPORT
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "reported_in_id" in columns("vehicles_marketavailability")
    model, story, reported, unreported = launches_at_main(executor.loader.project_state().apps)

    settings.MIGRATION_MODULES = {}
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert plan_names(executor, leaves) == MARKET_REPORT_MOVE, "the copy runs before the column goes"
    executor.migrate(leaves)

    assert set(MarketReport.objects.values_list("availability", "article")) == {(reported, story)}
    assert columns("vehicles_marketavailability") == new_database_columns
    vehicle = VehicleModel.objects.get(pk=model)
    assert [article.pk for article in Article.objects.about_vehicle_model(vehicle, 30)] == [story]
    launches = {
        launch.pk: launch.reported_in_id
        for launch in VehicleModel.objects.with_details().get(pk=model).availabilities.all()
    }
    assert launches == {reported: story, unreported: None}

    # Unapplying the move puts every link back in the column.
    MigrationExecutor(connection).migrate([("articles", "0006_search_document"), ("vehicles", "0003_csv_import")])
    assert reported_in_column() == {(reported, story)}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(MarketReport.objects.values_list("availability", "article")) == {(reported, story)}
