"""A full-text index of each article's headline, standfirst and body on SQLite, kept by triggers.

SQLite's search (``articles.search``) finds the articles where every word appears, in any case,
inside one of those fields (or a tag or vehicle name). With ``LIKE '%word%'`` that read every live
article's whole body on every search: ~20 ms per word at 10,000 articles, growing with the archive.
An FTS5 table with the trigram tokenizer answers the same question (a case-insensitive substring
of three characters or more) from its index. It holds no copy of the text (``content=`` the
articles table) and is kept current by triggers on every write path (admin, services, bulk
inserts, raw updates), as PostgreSQL's stored document is (0006). Words of one or two
characters, which a trigram index cannot look up, are still matched with ``LIKE``.

PostgreSQL has its own document and GIN index (0006): nothing is done there.

Django's SQLite schema editor rebuilds a table to alter it, and dropping the old table drops its
triggers: a later migration that alters ``articles_article`` must run ``TRIGGERS`` again (the
search tests fail if the index stops following edits).
"""

from django.db import migrations

TABLE = "articles_article_search"

CREATE = f"""
CREATE VIRTUAL TABLE {TABLE} USING fts5(
    headline, standfirst, body, content='articles_article', content_rowid='id', tokenize='trigram'
)
"""

# Built from constants only (S608).
_ADD = (
    f"INSERT INTO {TABLE}(rowid, headline, standfirst, body) VALUES (new.id, new.headline, new.standfirst, new.body);"  # noqa: S608
)
_REMOVE = (
    f"INSERT INTO {TABLE}({TABLE}, rowid, headline, standfirst, body)"  # noqa: S608
    " VALUES ('delete', old.id, old.headline, old.standfirst, old.body);"
)
TRIGGERS = [
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON articles_article BEGIN {_ADD} END",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON articles_article BEGIN {_REMOVE} END",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF headline, standfirst, body ON articles_article"
    f" BEGIN {_REMOVE} {_ADD} END",
]
FILL = f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')"  # noqa: S608

DROP = [f"DROP TRIGGER {TABLE}_{event}" for event in ("insert", "delete", "update")] + [f"DROP TABLE {TABLE}"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in [CREATE, *TRIGGERS, FILL]:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_public_article_section_and_image")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
