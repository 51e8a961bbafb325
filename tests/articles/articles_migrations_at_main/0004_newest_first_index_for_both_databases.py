import importlib

Migration = importlib.import_module("articles.migrations.0004_newest_first_index_for_both_databases").Migration
