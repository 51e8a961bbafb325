"""core's first migration is unchanged by the move; the snapshot reuses it as it is."""

import importlib

Migration = importlib.import_module("newsroom.core.migrations.0001_roles").Migration
