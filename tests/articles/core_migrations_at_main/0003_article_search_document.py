"""A stored search document per article on PostgreSQL, kept current by a trigger.

Ranking needs each match's tsvector. Computed from the text on every search (as 0002's
expression index required), ranking a common word meant parsing thousands of article bodies per
request. ``articles_article.search_document`` holds the weighted vector (headline A, standfirst B,
body C; HTML tags are not indexed by the default parser), is filled by a trigger on every write
path (admin, services, bulk inserts, raw updates) and carries the GIN index.

The column is not a model field: Django never loads it, so article queries don't carry a vector
of the whole body; ``articles.search`` reads it by name. A trigger rather than a generated column,
because PostgreSQL refuses to change the type of a column a generated column reads (a later
``max_length`` change to the headline would fail). SQLite has no such column.
"""

import importlib

from django.db import migrations

INDEX_NAME = "article_search_document_gin"

DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, coalesce({row}headline, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce({row}standfirst, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce({row}body, '')), 'C')
"""

FORWARD = f"""
DROP INDEX IF EXISTS {INDEX_NAME};
ALTER TABLE articles_article ADD COLUMN search_document tsvector;
CREATE FUNCTION articles_article_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := {DOCUMENT.format(row="NEW.")};
    RETURN NEW;
END
$$;
CREATE TRIGGER articles_article_search_document
    BEFORE INSERT OR UPDATE OF headline, standfirst, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_document();
UPDATE articles_article SET search_document = {DOCUMENT.format(row="")};
CREATE INDEX {INDEX_NAME} ON articles_article USING gin (search_document);
"""  # noqa: S608 - built from constants only

BACKWARD = f"""
DROP INDEX {INDEX_NAME};
DROP TRIGGER articles_article_search_document ON articles_article;
DROP FUNCTION articles_article_search_document();
ALTER TABLE articles_article DROP COLUMN search_document;
"""  # noqa: S608 - built from constants only


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)
        importlib.import_module("tests.articles.core_migrations_at_main.0002_article_search_index").add_index(
            apps, schema_editor
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_article_search_index")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
