"""Unchanged by the move; the snapshot reuses it as it is."""

import importlib

Migration = importlib.import_module("vehicles.migrations.0003_csv_import").Migration
