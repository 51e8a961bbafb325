import importlib

Migration = importlib.import_module("articles.migrations.0003_list_order_indexes").Migration
