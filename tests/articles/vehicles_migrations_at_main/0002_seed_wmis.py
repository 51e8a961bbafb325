"""Unchanged by the move; the snapshot reuses it as it is."""

import importlib

Migration = importlib.import_module("vehicles.migrations.0002_seed_wmis").Migration
