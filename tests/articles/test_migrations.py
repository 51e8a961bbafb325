"""The article search document moved from core's migrations to articles' own 0006.

Every existing database was built with core's 0002 and 0003 (``core_migrations_at_main``); it must
run ``migrate`` to the new layout without running anything twice or losing a row, a document or
the trigger, and end with the schema a new database gets.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from articles.models import Article

AT_MAIN = {"core": "tests.articles.core_migrations_at_main"}
MOVED = [("core", "0002_article_search_index"), ("core", "0003_article_search_document")]
SEARCH_DOCUMENT = ("articles", "0006_search_document")


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
    published = make_article("published", headline="The quadricycle returns")
    draft = make_article("draft", standfirst="A velomobile joins the range.")
    documents = search_documents()

    settings.MIGRATION_MODULES = {}
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(leaves) == [], "nothing runs again"
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
