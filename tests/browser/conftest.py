"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They run once per CI run: on SQLite, or on PostgreSQL only with BROWSER_TESTS=1. When Chromium
(apt-get install chromium) or axe-core (make browser-deps) is missing they skip with the reason,
or fail when CI is set (``tests.tools.missing_tool``).
Screenshots at phone and desktop widths go to var/screenshots/.
"""

import mimetypes
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.tools import AXE, CHROMIUM, ROOT, require_browser_tools

SCREENSHOTS = ROOT / "var" / "screenshots"
WIDTHS = {"phone": 375, "desktop": 1280}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _skip_reason():
    if "postgres" in os.environ.get("DATABASE_URL", "") and os.environ.get("BROWSER_TESTS") != "1":
        return "browser tests run once, on SQLite (set BROWSER_TESTS=1 to run them on PostgreSQL too)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. While Playwright's sync API is open its event loop counts
    as running in this thread, so Django's async-safety guard is lifted for exactly that long
    (the tests' own ORM calls are plain synchronous code) and restored afterwards."""
    from playwright.sync_api import sync_playwright

    require_browser_tools()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, fast_password_hashing, demo, settings):
    """The live server with the demo content; SITE_URL points at it so links stay on it."""
    settings.SITE_URL = live_server.url
    from django.core.cache import cache

    _smaller_demo_image()
    cache.clear()
    return live_server.url


def _smaller_demo_image():
    """The demo's road at 800 px instead of 1600: the same pages, a fraction of the rendition work."""
    import hashlib

    from django.core.files.base import ContentFile

    from demo.stories import make_demo_image_bytes
    from newsroom.media.models import Image

    image = Image.objects.get(title="Demo: a road at dusk")
    data = make_demo_image_bytes(800, 450)
    image.renditions.all().delete()
    image.file.save("demo-road-800.jpg", ContentFile(data), save=False)
    Image.objects.filter(pk=image.pk).update(
        file=image.file.name, width=800, height=450, byte_size=len(data), content_hash=hashlib.sha256(data).hexdigest()
    )


def _serve_media(route):
    """The live server does not serve uploads (only DEBUG does): answer /media/ from MEDIA_ROOT."""
    from urllib.parse import unquote, urlsplit

    relative = unquote(urlsplit(route.request.url).path)[len("/media/") :]
    path = (Path(django_settings.MEDIA_ROOT) / relative).resolve()
    if not path.is_file() or Path(django_settings.MEDIA_ROOT).resolve() not in path.parents:
        route.fulfill(status=404, body="not found")
        return
    route.fulfill(status=200, body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0])


@pytest.fixture
def page(browser, site):
    # bypass_csp lets the test inject axe-core; the site's own pages need no inline script.
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900}, bypass_csp=True)
    # Uploads only: /static/media/ (the media app's scripts) is the live server's to answer.
    context.route(re.compile(r"^https?://[^/]+/media/"), _serve_media)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def check_accessibility(page, name, include=None, exclude=()):
    """axe-core on the current page (or only the parts ``include`` selects, CSS selectors) at phone
    and desktop widths: no serious or critical violations. ``exclude``: CSS selectors of parts
    another test answers for."""
    page.add_script_tag(path=str(AXE))
    context = None
    if include or exclude:
        context = {"include": [[selector] for selector in include or ["html"]]}
        context["exclude"] = [[selector] for selector in exclude]
    serious = []
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        result = page.evaluate(
            "async (context) => await axe.run(context || document, {resultTypes: ['violations']})", context
        )
        serious += [
            f"{violation['id']} ({violation['impact']}) at {width} px: {violation['help']} at "
            + ", ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in result["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    assert not serious, f"{name}: " + "; ".join(serious)


def screenshots(page, name):
    """Full-page screenshots at phone and desktop widths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def page_scrolls_sideways(page):
    """The elements sticking out past the right edge of the page, if it can be scrolled sideways."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return [];
            return [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1)
                .filter(el => getComputedStyle(el.parentElement).overflowX === 'visible')
                .filter(el => el.parentElement.getBoundingClientRect().right <= root.clientWidth + 1)
                .slice(0, 5)
                .map(el => `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join('.')} ${Math.round(el.getBoundingClientRect().width)}px`);
        }"""
    )
