import importlib

Migration = importlib.import_module("articles.migrations.0006_search_document").Migration
