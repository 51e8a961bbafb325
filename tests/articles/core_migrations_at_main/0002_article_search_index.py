"""A GIN index for the public search on PostgreSQL, over an expression of the article's text.

It lives here because it serves the site-wide search rather than the articles app's own
schema, and it runs only on PostgreSQL: SQLite search uses a plain match and needs no index.
Superseded by 0003 (a stored document); kept so existing databases migrate in order.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "article_search_document_gin"


def _index():
    document = (
        SearchVector("headline", weight="A", config="english")
        + SearchVector("standfirst", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )
    return GinIndex(document, name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("articles", "Article"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("articles", "Article"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),
        ("articles", "0002_initial"),
    ]

    operations = [migrations.RunPython(add_index, remove_index, elidable=False)]
