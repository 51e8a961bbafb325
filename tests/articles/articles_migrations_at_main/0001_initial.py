import importlib

Migration = importlib.import_module("articles.migrations.0001_initial").Migration
