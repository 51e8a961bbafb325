"""The apps' migrations follow the layers of ``make lint``'s import contract: a migration names
(in ``dependencies`` or ``run_before``) only migrations of its own app, of apps below it, or of
Django and third-party apps, and builds only its own app's schema. So a lower app's schema never
waits on a higher app's, as its code never imports one.

``run_before`` is how a higher app orders itself before a lower app's migration (the articles app
copies the launch reports before the vehicles app drops their old column): the higher app names
the lower one, never the reverse."""

import importlib
import inspect
import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

LAYERS_CONTRACT = "Apps import only the layers below them"


def app_layers():
    """{app label: rank}, 0 the lowest, from the layers contract in pyproject.toml (top first)."""
    config = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == LAYERS_CONTRACT)
    by_package = {app.name: app.label for app in apps.get_app_configs()}
    ranks = {}
    for rank, layer in enumerate(reversed(contract["layers"])):
        for package in layer.split("|"):
            if package.strip() in by_package:
                ranks[by_package[package.strip()]] = rank
    return ranks


def higher_layers_named(app, migration, layers):
    """The migrations of higher layers that ``migration`` of ``app`` depends on or runs before."""
    named = [*migration.dependencies, *migration.run_before]
    return [f"{other} {name}" for other, name in named if layers.get(other, -1) > layers[app]]


def other_apps_tables_in_sql(app, source, tables):
    """Tables of other apps (``tables``: {table: app label}) that a CREATE, ALTER or DROP
    statement in a migration's source names: its own app's schema is all it may build."""
    statements = re.findall(r"\b(?:CREATE|ALTER|DROP)\b[^;]*", source, flags=re.IGNORECASE)
    return [word for statement in statements for word in re.findall(r"\w+", statement) if tables.get(word, app) != app]


def our_migrations():
    layers = app_layers()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [(app, migration) for (app, _), migration in loader.disk_migrations.items() if app in layers]


def test_the_layers_are_read_from_the_import_contract():
    layers = app_layers()
    assert sorted(layers, key=layers.get) == ["core", "media", "vehicles", "articles", "syndication", "demo"]


def test_no_migration_depends_on_or_runs_before_a_higher_layer():
    layers = app_layers()
    wrong = [(app, migration.name, higher_layers_named(app, migration, layers)) for app, migration in our_migrations()]
    assert [found for found in wrong if found[2]] == []


def test_the_vehicles_migration_that_pointed_at_articles_would_be_refused():
    """The vehicles app's 0001 as it stood before the launch reports moved to the articles app."""
    at_main = importlib.import_module("tests.articles.vehicles_migrations_at_main.0001_initial")
    migration = at_main.Migration("0001_initial", "vehicles")
    assert higher_layers_named("vehicles", migration, app_layers()) == ["articles 0001_initial"]


def tables():
    return {model._meta.db_table: model._meta.app_label for model in apps.get_models()}


def test_no_migration_builds_another_apps_schema_in_sql():
    """Model operations always act on the migration's own app; raw SQL is the way around that."""
    wrong = [
        (app, migration.name, other_apps_tables_in_sql(app, inspect.getsource(inspect.getmodule(migration)), tables()))
        for app, migration in our_migrations()
    ]
    assert [found for found in wrong if found[2]] == []


def test_core_building_the_articles_search_index_would_be_refused():
    """core's 0003 as it stood before the search document moved to the articles app."""
    at_main = importlib.import_module("tests.articles.core_migrations_at_main.0003_article_search_document")
    assert "articles_article" in other_apps_tables_in_sql("core", inspect.getsource(at_main), tables())
