"""The shipped Varnish configuration (deploy/varnish/newsroom.vcl) in front of a live app
(gunicorn, production settings, its own database), purged by the app's task worker.

What readers get through the edge: a change reaches every page that shows the story as soon as
the purge task has run, while other pages stay cached; nobody's session, admin page, preview or
API answer is ever stored or handed to someone else; the site stays up from grace while the app
servers are down, except for a withdrawn story, which is never served again."""

import gzip
import http.client
import re
import time

import pytest

from tests.edge.conftest import database_name
from tests.edge.varnish import Varnish, wait_until
from tests.servers import App, free_port, private_database

pytestmark = pytest.mark.varnish

TOYOTA = "toyota-to-sell-us-built-camry-highlander-and-tundra-in-japan"

# Setup inside the app's own process: a second live story that shares nothing with the Toyota
# story (its own section, author, no tags or vehicles), and the ids the tests need.
SETUP = f"""
import json
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article, Author, Byline, Section
from articles.services import save_article

users = get_user_model().objects
writer, editor = users.get(username="writer"), users.get(username="editor")
toyota = Article.objects.get(slug="{TOYOTA}")
section = Section.objects.create(name="Motorsport", slug="motorsport", position=9)
author = Author.objects.create(name="Uma Unrelated", slug="uma-unrelated")
other = Article(
    slug="rain-stops-play-at-the-hill-climb",
    headline="Rain stops play at the hill climb",
    standfirst="Organisers called off the afternoon runs.",
    body="<p>Heavy rain ended the hill climb early.</p>",
    section=section,
    lead_image_id=toyota.lead_image_id,
)
save_article(other, writer, message="Edge test", save_related=lambda: Byline.objects.create(article=other, author=author))
workflow.submit(other, writer)
workflow.approve(other, editor)
workflow.publish(other, editor)
print(json.dumps({{"toyota": toyota.pk, "section": toyota.section.slug, "other": other.get_absolute_url()}}))
"""

# Runs a workflow action in the app's process and prints the keys it sent to the edges.
ACTION = """
import json
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article
from newsroom.core.signals import public_keys_changed

sent = []
public_keys_changed.connect(lambda sender, keys, hard, **kwargs: sent.append([sorted(keys), hard]), weak=False)
editor = get_user_model().objects.get(username="editor")
article = Article.objects.get(slug="{slug}")
{action}
print(json.dumps(sent))
"""


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    varnish_port = free_port()
    with private_database(folder, database_name("varnish")) as database_url:
        app = App(
            folder / "app",
            database_url,
            EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
            PAGE_CDN_SECONDS="3600",
        )
        varnish = None
        try:
            varnish = Varnish(folder / "varnish", [app.port], port=varnish_port)
            facts = app.query(SETUP)
            run_purges(app)  # the setup's own purges, so they cannot land during a test
            yield app, varnish, facts
        finally:
            if varnish:
                varnish.stop()
            app.stop()


def run_purges(app):
    """Run every queued purge now, in a worker process, then return (the order the tests rely on)."""
    app.manage("worker", "--queue-name", "default", "--batch", "--no-startup-delay")


def act(app, slug, action):
    """Perform a workflow action on an article in the app's process; the keys it sent."""
    return app.query(ACTION.format(slug=slug, action=action))


def age(response):
    return int(response[1].get("Age", "0"))


def cached(varnish, path, headers=None):
    """Fetch twice through Varnish; the second answer, which must be a hit."""
    varnish.get(path, headers)
    answer = varnish.get(path, headers)
    assert answer[0] == 200 and answer[1]["X-Cache"] == "hit", (path, answer[:2])
    return answer


def test_a_correction_reaches_its_page_section_and_home_once_purged_while_other_pages_stay_cached(edge):
    app, varnish, facts = edge
    story, section, home = f"/articles/{TOYOTA}/", f"/section/{facts['section']}/", "/"
    for path in (story, section, home, facts["other"]):
        cached(varnish, path)
    other_before = varnish.get(facts["other"])
    # The keys are the edge's business only: readers never see them.
    assert "Surrogate-Key" not in other_before[1] and "xkey" not in other_before[1]

    note = "An earlier version misnamed the Kentucky plant."
    sent = act(
        app,
        TOYOTA,
        'Article.objects.filter(pk=article.pk).update(headline="Toyota confirms Japan sales of US-built Camry")\n'
        f"workflow.correct(article, editor, {note!r})",
    )
    [(keys, hard)] = sent
    assert f"article-{facts['toyota']}" in keys and "home" in keys and not hard

    # Committed but not yet purged: the edge still has the old copies (the purge is what refreshes them).
    assert note not in varnish.get(story)[2].decode()
    run_purges(app)
    page = varnish.get(story)
    assert page[1]["X-Cache"] == "miss" and note in page[2].decode()
    for path in (section, home):
        answer = varnish.get(path)
        assert answer[1]["X-Cache"] == "miss", path
        assert "Toyota confirms Japan sales of US-built Camry" in answer[2].decode(), path

    # The unrelated story's page was not touched: still the same stored copy, older every second.
    other_after = varnish.get(facts["other"])
    assert other_after[1]["X-Cache"] == "hit" and other_after[2] == other_before[2]
    assert age(other_after) >= age(other_before)
    time.sleep(1.1)
    assert age(varnish.get(facts["other"])) > age(other_before)


def test_a_running_worker_gets_an_update_to_the_edge_within_seconds(edge):
    app, varnish, facts = edge
    home = "/"
    cached(varnish, home)
    worker = app.worker()
    try:
        act(
            app,
            TOYOTA,
            'Article.objects.filter(pk=article.pk).update(headline="Toyota widens Japan line-up")\n'
            "workflow.update(article, editor)",
        )
        started = time.monotonic()
        wait_until(lambda: b"Toyota widens Japan line-up" in varnish.get(home)[2], timeout=5)
        print(f"update visible at the edge after {time.monotonic() - started:.2f} s")
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_a_correction_typed_in_the_admin_reaches_readers_through_the_edge_within_seconds(edge):
    """As a newsroom works: an editor signs in through the edge, types a correction notice into the
    live story's change form in Chromium and presses "Save and publish changes" (a bare save is a
    draft readers never see); with the task worker running, the notice is on
    the story's page, its section page and the home page through Varnish within seconds."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.tools import CHROMIUM, require_browser_tools

    require_browser_tools()
    app, varnish, facts = edge
    story, section, home = f"/articles/{TOYOTA}/", f"/section/{facts['section']}/", "/"
    for path in (story, section, home):
        cached(varnish, path)
    app.script(
        "from django.contrib.auth import get_user_model\n"
        "editor = get_user_model().objects.get(username='editor')\n"
        "editor.set_password('edge-editor-password')\n"
        "editor.save()\n"
    )
    note = "An earlier version gave the wrong launch month for the Highlander."
    headline = "Toyota to sell three US-built models in Japan from spring 2026"
    worker = app.worker()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(varnish.base + "/admin/login/?next=/admin/")
            page.fill("#id_username", "editor")
            page.fill("#id_password", "edge-editor-password")
            page.click("input[type=submit]")
            page.wait_for_url("**/admin/")
            page.goto(f"{varnish.base}/admin/articles/article/{facts['toyota']}/change/")
            page.fill("#id_headline", headline)
            page.fill("#id_correction_note", note)
            page.click("input[name=_publish_changes]")
            page.wait_for_selector(".messagelist")
            assert page.locator(".errornote").count() == 0, page.locator(".errornote").inner_text()
            saved = time.monotonic()
            browser.close()
        wait_until(lambda: note in varnish.get(story)[2].decode(), timeout=5)
        for path in (story, section, home):
            wait_until(lambda path=path: headline in varnish.get(path)[2].decode(), timeout=5)
        print(f"correction visible through the edge {time.monotonic() - saved:.2f} s after the save")
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_editors_sessions_are_never_stored_or_shown_to_readers(edge):
    app, varnish, facts = edge
    session = app.script(
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "editor = get_user_model().objects.get(username='editor')\n"
        "store = SessionStore()\n"
        "store[SESSION_KEY] = str(editor.pk)\n"
        "store[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "store[HASH_SESSION_KEY] = editor.get_session_auth_hash()\n"
        "store.create()\n"
        "print(store.session_key)\n"
    ).strip()
    signed_in = {"Cookie": f"_ga=GA1.2.3; sessionid={session}"}
    story = f"/articles/{TOYOTA}/"
    for _ in range(2):
        answer = varnish.get(story, signed_in)
        assert answer[0] == 200 and answer[1]["X-Cache"] == "miss"
        assert "private" in answer[1]["Cache-Control"]
    # Readers with only analytics cookies share the one public copy, which the editor's never was.
    reader = cached(varnish, story, {"Cookie": "_ga=GA1.2.3; consent=yes"})
    assert "private" not in reader[1]["Cache-Control"] and "Set-Cookie" not in reader[1]

    # The admin: every request goes to the app; a reader without the cookie is sent to sign in.
    for _ in range(2):
        mine = varnish.get("/admin/", signed_in)
        assert mine[1]["X-Cache"] == "miss" and mine[0] == 200, mine[:2]
    anonymous = varnish.get("/admin/")  # redirected (and followed) to the sign-in form
    assert b'name="password"' in anonymous[2] and b'name="password"' not in mine[2]
    first, second = varnish.get("/admin/login/"), varnish.get("/admin/login/")
    assert (first[1]["X-Cache"], second[1]["X-Cache"]) == ("miss", "miss")
    # Each reader gets their own CSRF token, never another's.
    tokens = [re.search(r"csrftoken=([^;]+)", answer[1]["Set-Cookie"]).group(1) for answer in (first, second)]
    assert tokens[0] != tokens[1]


def test_previews_and_the_api_are_never_stored(edge):
    app, varnish, facts = edge
    preview = app.script(
        "from articles.models import Article\nfrom articles.preview import share_url\n"
        "print(share_url(Article.objects.get(slug='tundra-in-japan-how-a-full-size-pickup-fits')))"
    ).strip()
    path = "/" + preview.split("/", 3)[3]
    for _ in range(2):
        answer = varnish.get(path)
        assert answer[0] == 200 and answer[1]["X-Cache"] == "miss"
        assert b"Tundra in Japan" in answer[2]
    key = {"Authorization": f"Bearer {app.api_key}"}
    for _ in range(2):
        answer = varnish.get("/api/v1/articles/", key)
        assert answer[0] == 200 and answer[1]["X-Cache"] == "miss"
    refused = varnish.get("/api/v1/articles/")
    assert refused[0] == 401 and refused[1]["X-Cache"] == "miss"


def test_request_ids_reach_the_app_and_come_back_even_on_a_hit(edge):
    app, varnish, facts = edge
    cached(varnish, facts["other"])
    mine = varnish.get(facts["other"], {"X-Request-ID": "reader-request-1"})
    assert mine[1]["X-Cache"] == "hit" and mine[1]["X-Request-ID"] == "reader-request-1"
    made = varnish.get(facts["other"])
    assert made[1]["X-Request-ID"].startswith("edge-")
    passed = varnish.get("/admin/login/", {"X-Request-ID": "reader-request-2"})
    assert passed[1]["X-Request-ID"] == "reader-request-2"  # echoed by the app itself


def _get_from(address, varnish, path, headers):
    """(status, headers, body) for a GET sent to Varnish from ``address`` (a loopback alias)."""
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=5, source_address=(address, 0))
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.headers), answer.read()
    finally:
        connection.close()


def test_the_scheme_a_tls_terminator_reports_reaches_the_app_and_is_cached_apart(edge):
    app, varnish, facts = edge
    story, https = facts["other"], {"X-Forwarded-Proto": "https"}
    # From the test's TLS proxy (127.0.0.1): the app answers as over HTTPS, so browsers are told
    # to keep to HTTPS (HSTS, which Django sends only on a secure request), from the app and
    # from the copy Varnish keeps for HTTPS readers.
    secure = cached(varnish, story, https)
    assert secure[1]["Strict-Transport-Security"].startswith("max-age=31536000")
    # Plain HTTP readers get their own copy, made by the app for plain HTTP: no HSTS over HTTP.
    plain = cached(varnish, story)
    assert "Strict-Transport-Security" not in plain[1]
    # Anyone else saying "https" is not believed: they are answered as plain HTTP readers.
    claimed = _get_from("127.0.0.2", varnish, story, https)
    assert claimed[0] == 200 and claimed[1]["X-Cache"] == "hit"
    assert "Strict-Transport-Security" not in claimed[1]


def _purge_from(address, varnish, headers):
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=5, source_address=(address, 0))
    try:
        connection.request("PURGE", "/", headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_pages_reach_readers_compressed_when_they_accept_it(edge):
    app, varnish, facts = edge
    story = f"/articles/{TOYOTA}/"
    plain = cached(varnish, story)
    zipped = cached(varnish, story, {"Accept-Encoding": "gzip"})
    assert zipped[1].get("Content-Encoding") == "gzip" and "Content-Encoding" not in plain[1]
    assert gzip.decompress(zipped[2]) == plain[2] and len(zipped[2]) * 3 < len(plain[2])


def test_only_the_app_servers_may_purge(edge):
    app, varnish, facts = edge
    page = cached(varnish, facts["other"])
    key = {"Surrogate-Key": "article-0 home", "Purge-Mode": "hard"}
    # The test's purge ACL is 127.0.0.1 (the app and its worker); anyone else is refused.
    status, body = _purge_from("127.0.0.2", varnish, key)
    assert status == 403 and b"not allowed" in body
    assert _purge_from("127.0.0.1", varnish, {})[0] == 400  # a purge names its keys
    again = varnish.get(facts["other"])
    assert again[1]["X-Cache"] == "hit" and age(again) >= age(page)


def test_the_site_is_served_from_grace_while_the_app_is_down_but_a_withdrawn_story_is_not(edge):
    app, varnish, facts = edge
    story, home, other = f"/articles/{TOYOTA}/", "/", facts["other"]
    for path in (story, home, other):
        cached(varnish, path)
    # A soft purge (an update) ends the copies' lifetime but keeps them for an outage.
    act(app, "rain-stops-play-at-the-hill-climb", "workflow.update(article, editor)")
    run_purges(app)
    [(keys, hard)] = act(app, TOYOTA, 'workflow.withdraw(article, editor, "Legal advice.")')
    assert hard
    run_purges(app)
    app.stop()
    try:
        stale = varnish.get(other)
        assert stale[0] == 200 and b"Rain stops play at the hill climb" in stale[2]
        assert varnish.get("/latest/")[0] == 503  # never stored: nothing to answer with
        for path in (story, home):
            answer = varnish.get(path)
            assert answer[0] == 503, path
            assert b"Toyota" not in answer[2], path
        # Still so once the probe has marked the app server sick (grace without a failed fetch).
        wait_until(lambda: varnish.backend_health()["app1"] == "sick", timeout=30, interval=0.5)
        assert varnish.get(other)[0] == 200 and varnish.get(story)[0] == 503
    finally:
        app.start()
    # Back once the probe sees the app healthy again: the withdrawal notice, from the app.
    wait_until(lambda: varnish.get(story)[0] == 410, timeout=30, interval=0.5)
