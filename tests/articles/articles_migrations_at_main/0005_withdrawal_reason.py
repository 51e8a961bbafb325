import importlib

Migration = importlib.import_module("articles.migrations.0005_withdrawal_reason").Migration
