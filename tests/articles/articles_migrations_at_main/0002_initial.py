import importlib

Migration = importlib.import_module("articles.migrations.0002_initial").Migration
