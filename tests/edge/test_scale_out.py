"""Scale-out as deployed: two app servers (gunicorn processes on their own ports) and a task
worker sharing PostgreSQL, Redis and an S3 object store (moto's server, a real S3 API on this
machine), behind the shipped Varnish. Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL,
default redis://127.0.0.1:6379); CI's PostgreSQL step has both."""

import contextlib
import http.cookiejar
import json
import logging
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest
import redis
from moto.server import ThreadedMotoServer

from tests.edge.conftest import database_name
from tests.edge.test_varnish import TOYOTA, act, cached, run_purges
from tests.edge.varnish import Varnish
from tests.media.corpus import photo_bytes
from tests.servers import App, free_port, get, private_database

REDIS_URL = os.environ.get("EDGE_TESTS_REDIS_URL", "redis://127.0.0.1:6379/14")

pytestmark = [pytest.mark.varnish, pytest.mark.postgres]

BUCKET = "newsroom-media"


def _skip_reason():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "scale-out needs PostgreSQL: set DATABASE_URL (CI's PostgreSQL step)"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return f"scale-out needs Redis at {REDIS_URL}"
    return None


@contextlib.contextmanager
def object_store():
    """An S3 API on a free port with the media bucket, readable by anyone (its policy, as deployed);
    yields the settings that point the app at it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        settings = {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "scale-out-test",
            "AWS_SECRET_ACCESS_KEY": "scale-out-test-secret",
        }
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=settings["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"],
        )
        s3.create_bucket(Bucket=BUCKET)
        public_read = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
            ],
        }
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read))
        yield settings
    finally:
        server.stop()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    redis.Redis.from_url(REDIS_URL).flushdb()
    folder = tmp_path_factory.mktemp("scale")
    varnish_port = free_port()
    with private_database(folder, database_name("scale")) as database_url, object_store() as store:
        first = App(
            folder / "app",
            database_url,
            redis_url=REDIS_URL,
            EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
            PAGE_CDN_SECONDS="3600",
            **store,
        )
        second = varnish = None
        try:
            second = first.another_server()
            varnish = Varnish(folder / "varnish", [first.port, second.port], port=varnish_port)
            first.manage("worker", "--queue-name", "*", "--batch", "--no-startup-delay")  # the demo's renditions
            yield first, second, varnish, store
        finally:
            if varnish:
                varnish.stop()
            for app in (second, first):
                if app:
                    app.stop()
    redis.Redis.from_url(REDIS_URL).flushdb()


class Editor:
    """An editor's browser over HTTP: cookies, the CSRF token, multipart uploads; no redirects followed."""

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirects)

    def request(self, path, data=None, content_type=None, base=None):
        """(status, location, body) from this server, or from ``base`` with the same cookies."""
        base = base or self.base
        headers = {"Referer": base + path, **({"Content-Type": content_type} if content_type else {})}
        try:
            with self.opener.open(
                urllib.request.Request(base + path, data=data, headers=headers), timeout=30
            ) as answer:
                return answer.status, answer.headers.get("Location"), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location"), error.read().decode(errors="replace")

    def csrf(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def log_in(self, username, password):
        self.request("/admin/login/")
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()}
        ).encode()
        return self.request("/admin/login/", body, "application/x-www-form-urlencoded")[0]

    def upload(self, path, fields, file_field, file_name, content, content_type):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in [*fields.items(), ("csrfmiddlewaretoken", self.csrf())]
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(path, b"".join(parts), f"multipart/form-data; boundary={boundary}")


def stored(url):
    """(status, Content-Type, Cache-Control) of a file fetched from the object store as a reader would."""
    status, headers, _ = get(url)
    headers = {name.lower(): value for name, value in headers.items()}
    return status, headers.get("content-type"), headers.get("cache-control")


def image_urls(page):
    """Every image address a page shows (src and each srcset candidate)."""
    urls = re.findall(r'<img[^>]*?\ssrc="([^"]+)"', page)
    for srcset in re.findall(r'srcset="([^"]+)"', page):
        urls += [candidate.strip().split(" ")[0] for candidate in srcset.split(",")]
    return {url.replace("&amp;", "&") for url in urls}


def test_an_image_uploaded_through_one_server_is_served_with_its_renditions_through_the_other(servers):
    first, second, varnish, store = servers
    password = json.loads((first.folder / "demo-accounts.json").read_text())["editor"]
    editor = Editor(first.base)
    assert editor.log_in("editor", password) == 302
    fields = {"title": "Georgetown plant", "alt_text": "The Georgetown assembly plant from the air"}
    fields |= {"caption": "", "credit": "Toyota", "copyright": "", "focal_x": "0.5", "focal_y": "0.5"}
    status, _, body = editor.upload(
        "/admin/media/image/add/", fields, "upload", "plant.jpg", photo_bytes(), "image/jpeg"
    )
    assert status == 302, body[-2000:]
    image_id = first.query(
        "from newsroom.media.models import Image\nprint(Image.objects.get(title='Georgetown plant').pk)"
    )

    # The original is on the object store: the change page, through the other server (the
    # session is in the database), links to it there.
    status, _, change_page = editor.request(f"/admin/media/image/{image_id}/change/", base=second.base)
    assert status == 200
    bucket_url = f"{store['AWS_S3_ENDPOINT_URL']}/{BUCKET}/"
    original = re.search(rf'href="({re.escape(bucket_url)}images/originals/[^"]+)"', change_page).group(1)
    assert stored(original)[:2] == (200, "image/jpeg")

    # The worker (a process of its own) makes the renditions from the stored original.
    first.manage("worker", "--queue-name", "*", "--batch", "--no-startup-delay")
    new_picture = (
        "from articles.services import publish_changes, save_article\n"
        f"article.lead_image_id = {image_id}\n"
        "save_article(article, editor, expected_version=article.version, message='The plant from the air')\n"
        "publish_changes(article, editor, article.version)"
    )
    act(first, TOYOTA, new_picture)  # a live story: saved as a draft, then its changes published
    run_purges(first)
    story = f"/articles/{TOYOTA}/"
    for answer in (get(second.base + story), varnish.get(story)):
        assert answer[0] == 200
        page = answer[2].decode()
        assert "The Georgetown assembly plant from the air" in page
        shown = image_urls(page)
        renditions = {url for url in shown if url.startswith(bucket_url + "images/renditions/")}
        assert renditions and all(url.startswith(bucket_url) for url in shown if "/static/" not in url), shown
        # Plain addresses that never expire, and a policy that lets browsers load them.
        assert not any("Signature" in url or "X-Amz" in url for url in renditions)
        assert store["AWS_S3_ENDPOINT_URL"] in answer[1]["Content-Security-Policy"]
        answers = {stored(url) for url in renditions}
        assert {status for status, _, _ in answers} == {200}
        assert {kind for _, kind, _ in answers} == {"image/webp", "image/jpeg"}
        # Their names carry the content hash: browsers and CDNs may keep them for good.
        assert {lifetime for _, _, lifetime in answers} == {"public, max-age=31536000, immutable"}

    # Partners get the same addresses from the API (stored and cached answers: none may expire).
    article_id = first.query(f"from articles.models import Article\nprint(Article.objects.get(slug='{TOYOTA}').pk)")
    status, _, body = get(f"{second.base}/api/v1/articles/{article_id}/", {"Authorization": f"Bearer {second.api_key}"})
    assert status == 200
    in_api = set(re.findall(r'"(https?://[^"]+/images/renditions/[^"]+)"', body.decode()))
    assert in_api and all(url.startswith(bucket_url) and "X-Amz" not in url for url in in_api), in_api
    assert {stored(url)[0] for url in in_api} == {200}


def test_a_correction_is_what_readers_get_from_either_server_and_through_varnish(servers):
    first, second, varnish, _ = servers
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
    first, second, varnish, _ = servers
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
