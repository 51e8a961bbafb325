"""Tools outside Python that some tests drive (Chromium, axe-core, the Nu HTML Checker), and the
one rule for when one is missing: with CI set the test fails, so a CI run never passes by
checking nothing; elsewhere it skips, saying what to install."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
JAVA = Path(shutil.which("java") or "/usr/bin/java")
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def missing_tool(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: a missing checker fails the run)", pytrace=False)
    pytest.skip(reason)


def require_browser_tools():
    if not CHROMIUM.exists():
        missing_tool("Chromium is not installed: apt-get install chromium")
    if not AXE.exists():
        missing_tool("axe-core is not installed: make browser-deps")


def require_html_checker():
    if not JAVA.exists():
        missing_tool("Java is not installed (the Nu HTML Checker needs it): apt-get install default-jre-headless")
    if not VNU.exists():
        missing_tool("the Nu HTML Checker (vnu-jar) is not installed: make browser-deps")
