"""Tests against a real Varnish (Debian's varnish and varnish-modules, which CI installs): they
skip, with the reason, where varnishd is not installed, except when CI is set: there a missing
Varnish fails the run (as a missing browser or checker does, ``tests.tools``). One Varnish and one
app per module."""

import os

import pytest

from tests.edge.varnish import VARNISHD, available


def pytest_collection_modifyitems(config, items):
    if available() or os.environ.get("CI"):
        return
    reason = f"Varnish is not installed ({VARNISHD}): apt-get install varnish varnish-modules"
    for item in items:
        if "varnish" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


def database_name(module):
    return f"newsroom_edge_{module}_{os.getpid()}"
