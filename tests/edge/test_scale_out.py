"""Scale-out as deployed: two app servers (gunicorn processes on their own ports) sharing
PostgreSQL and Redis, behind the shipped Varnish. Needs PostgreSQL (DATABASE_URL) and Redis
(REDIS_URL, default redis://127.0.0.1:6379); CI's PostgreSQL step has both."""

import os

import pytest
import redis

from tests.edge.conftest import database_name
from tests.edge.test_varnish import TOYOTA, act, cached, run_purges
from tests.edge.varnish import Varnish
from tests.servers import App, free_port, get, private_database

REDIS_URL = os.environ.get("EDGE_TESTS_REDIS_URL", "redis://127.0.0.1:6379/14")

pytestmark = [pytest.mark.varnish, pytest.mark.postgres]


def _skip_reason():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "scale-out needs PostgreSQL: set DATABASE_URL (CI's PostgreSQL step)"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return f"scale-out needs Redis at {REDIS_URL}"
    return None


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    redis.Redis.from_url(REDIS_URL).flushdb()
    folder = tmp_path_factory.mktemp("scale")
    varnish_port = free_port()
    with private_database(folder, database_name("scale")) as database_url:
        first = App(
            folder / "app",
            database_url,
            redis_url=REDIS_URL,
            EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
            PAGE_CDN_SECONDS="3600",
        )
        second = varnish = None
        try:
            second = first.another_server()
            varnish = Varnish(folder / "varnish", [first.port, second.port], port=varnish_port)
            yield first, second, varnish
        finally:
            if varnish:
                varnish.stop()
            for app in (second, first):
                if app:
                    app.stop()
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_a_correction_is_what_readers_get_from_either_server_and_through_varnish(servers):
    first, second, varnish = servers
    story = f"/articles/{TOYOTA}/"
    for app in (first, second):
        assert get(app.base + story)[0] == 200  # both servers' page caches (one Redis) hold it
    cached(varnish, story)
    note = "The plant is in Georgetown, Kentucky."
    act(first, TOYOTA, f"workflow.correct(article, editor, {note!r})")
    for app in (first, second):
        assert note.encode() in get(app.base + story)[2], app.base
    run_purges(first)
    assert note.encode() in varnish.get(story)[2]
    # Varnish spreads misses over both servers (round robin).
    for number in range(4):
        assert varnish.get(f"/latest/?from={number}")[0] == 200
    assert any(path == "/latest/" for _, _, path in first.answered())
    assert any(path == "/latest/" for _, _, path in second.answered())


def test_an_editors_session_survives_the_restart_of_the_server_it_was_on(servers):
    first, second, varnish = servers
    session = first.script(
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
    cookie = {"Cookie": f"sessionid={session}"}
    signed_in = get(first.base + "/admin/", cookie)
    assert signed_in[0] == 200 and b'name="password"' not in signed_in[2]
    first.stop()
    first.start()
    for app in (first, second):
        again = get(app.base + "/admin/", cookie)
        assert again[0] == 200 and b'name="password"' not in again[2], app.base
