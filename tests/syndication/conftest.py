"""Fixtures for the syndication API: partners with keys, published articles with every relation,
a JSON Schema validator for ninjs 3.1, and a webhook receiver listening on loopback."""

import contextlib
import hashlib
import itertools
import json
import re
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from articles import readmodel
from articles.models import Article, ArticleVehicle, Author, Byline, Section, Status, Tag
from newsroom.media.models import Image, Rendition
from newsroom.syndication.models import Partner

DATA = Path(__file__).parent.parent / "data"
NINJS_SCHEMA = json.loads((DATA / "ninjs-schema_3.1.json").read_text())
_counter = itertools.count(1)


# jsonschema checks neither "date-time" nor "uri" without optional packages: the two formats the
# ninjs schema uses, checked here as RFC 3339 and RFC 3986 (an absolute URI) define them.
RFC_3339_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
RFC_3986_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")


def _date_time(value):
    if not (isinstance(value, str) and RFC_3339_DATE_TIME.fullmatch(value)):
        return not isinstance(value, str)
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True


def _uri(value):
    return not isinstance(value, str) or RFC_3986_ABSOLUTE_URI.fullmatch(value) is not None


_formats = FormatChecker()
_formats.checks("date-time")(_date_time)
_formats.checks("uri")(_uri)
NINJS = Draft202012Validator(NINJS_SCHEMA, format_checker=_formats)


def assert_ninjs(document):
    errors = sorted(NINJS.iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    cache.clear()
    yield
    cache.clear()


class ApiClient:
    """The Django test client with a partner's key in the Authorization header."""

    def __init__(self, client, secret):
        self.client = client
        self.secret = secret

    def get(self, path, data=None, **extra):
        extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.secret}")
        return self.client.get(path, data, **extra)


def sync(api, cursor=None, page_size=2, fmt=None):
    """A partner's sync loop (README, "The sync loop"): follow the change feed's `next` until caught
    up; returns (changes, cursor)."""
    seen = []
    params = {"page_size": page_size}
    if cursor:
        params["cursor"] = cursor
    if fmt:
        params["format"] = fmt
    url = "/api/v1/changes/"
    while True:
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        page = response.json()
        seen += page["results"]
        cursor = page["cursor"]
        if not page["next"]:
            return seen, cursor
        url, params = page["next"], None


def make_partner(name="Wheels Weekly", **kwargs):
    sections = kwargs.pop("sections", [])
    partner = Partner.objects.create(name=name, contact_email=f"{name.split()[0].lower()}@example.com", **kwargs)
    partner.sections.set(sections)
    return partner


@pytest.fixture
def partner(db):
    return make_partner()


@pytest.fixture
def api(client, partner):
    api_key, secret = partner.issue_key(name="tests")
    # Used a moment ago: last_used_at is not written again within the minute (query counts stay fixed).
    api_key.touch()
    return ApiClient(client, secret)


def make_image(title="Lead"):
    n = next(_counter)
    data = f"image-{n}-{title}".encode()
    image = Image(
        title=f"{title} {n}",
        alt_text="A car on a road.",
        caption="Pictured at launch.",
        credit="Newsroom",
        width=1600,
        height=900,
        format="JPEG",
        byte_size=len(data),
        content_hash=hashlib.sha256(data).hexdigest(),
    )
    image.file.save(f"img-{n}.jpg", ContentFile(data), save=False)
    image.save()
    rendition = Rendition(image=image, spec="width-640", format="webp", width=640, height=360, byte_size=100)
    rendition.file.save(f"img-{n}-640.webp", ContentFile(b"webp"), save=False)
    rendition.save()
    return image


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_article(
    *,
    status=Status.PUBLISHED,
    publish_at=None,
    section=None,
    tags=(),
    vehicles=(),
    image=None,
    headline=None,
    body="<p>Body text of the article.</p>",
    authors=("Ann Author",),
):
    n = next(_counter)
    now = timezone.now()
    if publish_at is None and status in (Status.PUBLISHED, Status.SCHEDULED, Status.WITHDRAWN):
        publish_at = now - timedelta(minutes=n)
    article = Article.objects.create(
        headline=headline or f"Headline {n}",
        slug=f"article-{n}",
        standfirst=f"Standfirst {n}.",
        body=body,
        section=section or Section.objects.get_or_create(slug="news", defaults={"name": "News"})[0],
        lead_image=image,
        status=status,
        publish_at=publish_at,
        first_published_at=publish_at,
        last_published_at=publish_at,
        withdrawn_at=now if status == Status.WITHDRAWN else None,
    )
    article.tags.set(tags)
    for position, name in enumerate(authors):
        author, _ = Author.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})
        Byline.objects.create(article=article, author=author, position=position)
    for position, vehicle_model in enumerate(vehicles):
        ArticleVehicle.objects.create(article=article, vehicle_model=vehicle_model, position=position)
    # Made live without a workflow step: build what readers and partners are served, as the step would.
    readmodel.sync([article.pk])
    return article


@pytest.fixture
def rich_articles(demo, media):
    """Fifty live articles, each with a lead image and renditions, three tags and three vehicles."""
    vehicles = list(demo["vehicles"].values())[:3]
    tags = [Tag.objects.get_or_create(slug=f"tag-{i}", defaults={"name": f"Tag {i}"})[0] for i in range(3)]
    return [make_article(tags=tags, vehicles=vehicles, image=make_image()) for _ in range(50)]


class Receiver:
    """A webhook receiver on loopback that answers with the status codes it is told to; over
    TLS when given a server-side SSL context."""

    def __init__(self, tls=None):
        self.requests = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status < 300 else b"broken")

            def log_message(self, *args):
                pass

            def handle(self):
                # A client that gave up on our certificate closes the connection: its error, not ours.
                with contextlib.suppress(OSError):
                    super().handle()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hooks/newsroom"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """act(workflow.publish, article, editor): run a workflow step and the work it queues after commit
    (article_event listeners), as a real request would once its transaction commits."""

    def run(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    return run
