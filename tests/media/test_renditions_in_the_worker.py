"""Renditions are made by the task worker, never by a reader's request: an upload or a focal-point
move queues the work, pages show what there is meanwhile, and the cached page refreshes once the
worker has made them. Driven through the admin, the database task queue, the worker's own task
runner and the public pages (page cache on)."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from articles.models import Section
from newsroom.core.management.commands.worker import ResilientWorker
from newsroom.media.models import Image, Rendition
from tests.media import corpus
from tests.media.test_admin import add_form, change_form
from tests.site.conftest import make_live_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_task_queue(settings):
    """Tasks wait in the database for the worker, as in production (the suite runs them at once)."""
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    cache.clear()
    yield
    cache.clear()


def run_worker(capture_on_commit):
    """What `manage.py worker` does with each queued task: claim it, run it, record the outcome. (Its
    loop also recycles database connections, which would end the test's transaction.) Returns the
    task results; what the tasks defer until their commit runs too."""
    worker = ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    results = []
    while task_result := DBTaskResult.objects.ready().first():
        with capture_on_commit(execute=True):  # each task commits on its own, queuing what follows
            task_result.claim(worker.worker_id)
            worker.run_task(task_result)
        task_result.refresh_from_db()
        assert task_result.status == "SUCCESSFUL", task_result.traceback
        results.append(task_result)
    return results


def reader_get(client, path):
    """A reader's GET, with the SQL it ran; no rendition row or file may appear."""
    rows = Rendition.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert Rendition.objects.count() == rows
    assert not any(query["sql"].lstrip().upper().startswith("INSERT") for query in queries.captured_queries)
    return response.content.decode(), len(queries)


def rendition_files(media_root):
    return sorted(path.name for path in (media_root / "images" / "renditions").rglob("*") if path.is_file())


def og_image(html):
    return re.search(r'<meta property="og:image" content="([^"]*)"', html)[1]


def test_an_upload_is_shown_at_once_and_its_renditions_come_from_the_worker(
    client, writer, media_root, django_capture_on_commit_callbacks
):
    writer_client = type(client)()
    writer_client.force_login(writer)
    upload = SimpleUploadedFile("road.jpg", corpus.photo_bytes(size=(1600, 900)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(reverse("admin:media_image_add"), add_form(upload, alt_text="A road at dusk"))
    assert response.status_code == 302
    image = Image.objects.get()
    [queued] = DBTaskResult.objects.ready()
    assert (queued.task_path, queued.args_kwargs["args"]) == ("newsroom.media.tasks.make_renditions", [image.pk])
    article = make_live_article(1, section=Section.objects.create(name="News", slug="news"), image=image)
    path = article.get_absolute_url()

    # Before the worker: the original (1600 × 900, small enough to send as it is), nothing made.
    before, queries_before = reader_get(client, path)
    home, _ = reader_get(client, "/")
    original = f"/media/{image.file.name}"
    assert f'<img src="{original}" width="1600" height="900" alt="A road at dusk"' in before
    assert og_image(before) == f"http://127.0.0.1:8000{original}"
    assert f'<img src="{original}" width="1600" height="900"' in home
    assert not Rendition.objects.exists() and not (media_root / "images" / "renditions").exists()

    # The renditions, then the stories showing the picture stored again with them (the read model's).
    ran, rebuilt = run_worker(django_capture_on_commit_callbacks)
    assert rebuilt.task_path == "articles.readmodel.rebuild_showing"
    assert ran.return_value == 18  # 320, 640, 1024 and 1600 whole and 16:9, the 1200 social card; WebP and JPEG
    made = rendition_files(media_root)
    assert len(made) == 18

    # The cached pages were refreshed: the next reader gets the renditions, in no more queries.
    after, queries_after = reader_get(client, path)
    home, _ = reader_get(client, "/")
    assert original not in after and original not in home
    srcset = re.search(r'<img src="[^"]+" srcset="([^"]+)"', after)[1]
    assert [entry.split()[1] for entry in srcset.split(", ")] == ["320w", "640w", "1024w", "1600w"]
    assert "-fill-16x9-1200-f0.500-0.500.jpg" in og_image(after)
    assert "-fill-16x9-640-f0.500-0.500.webp 640w" in home
    assert queries_after <= queries_before
    assert rendition_files(media_root) == made

    # A second run of the same task (a retry, a worker that died after the work) makes nothing.
    DBTaskResult.objects.all().delete()
    image.save()  # nothing that changes a rendition: nothing queued
    assert not DBTaskResult.objects.exists()
    queued.id = None
    queued.status = "READY"
    queued.save()
    [again] = run_worker(django_capture_on_commit_callbacks)
    assert again.return_value == 0 and rendition_files(media_root) == made


def test_a_focal_point_move_is_shown_once_the_worker_has_cut_the_new_crops(
    client, editor, media_root, django_capture_on_commit_callbacks
):
    editor_client = type(client)()
    editor_client.force_login(editor)
    upload = SimpleUploadedFile("road.jpg", corpus.photo_bytes(size=(1600, 900)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("admin:media_image_add"), add_form(upload, alt_text="A road"))
    image = Image.objects.get()
    run_worker(django_capture_on_commit_callbacks)
    section = Section.objects.create(name="News", slug="news")
    make_live_article(1, section=section, image=image)
    home, _ = reader_get(client, "/")
    assert "-fill-16x9-640-f0.500-0.500.webp" in home

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:media_image_change", args=[image.pk]), change_form(image, focal_x="0.8")
        )
    assert response.status_code == 302
    # Queued: the stories showing the picture stored again (with the alt text and focal point
    # they show), the new crops, and (syndication's) telling partners of the edit.
    assert sorted(DBTaskResult.objects.ready().values_list("task_path", flat=True)) == [
        "articles.readmodel.rebuild_showing",
        "newsroom.media.tasks.make_renditions",
        "newsroom.syndication.tasks.announce_updates",
    ]

    home, _ = reader_get(client, "/")  # refreshed by the edit: the earlier crops until the worker ran
    assert "-fill-16x9-640-f0.500-0.500.webp" in home and "-f0.800-" not in home

    ran = {task.task_path: task for task in run_worker(django_capture_on_commit_callbacks)}
    assert (
        ran["newsroom.media.tasks.make_renditions"].return_value == 10
    )  # the crops; the whole picture's renditions stay as they were
    home, _ = reader_get(client, "/")
    assert "-fill-16x9-640-f0.800-0.500.webp" in home and "-f0.500-" not in home
    files = rendition_files(media_root)
    assert not [name for name in files if "-f0.500-" in name]
    assert len(files) == 18


def test_the_demo_shows_its_images_at_once(client, settings, tmp_path, media_root):
    """`make run` loads the demo with `manage.py load_demo` and serves at once: its renditions are
    made by the command, not left to the worker or the first reader."""
    settings.VAR_DIR = tmp_path
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    assert "Image renditions made: 18 in" in output.getvalue()
    made = rendition_files(media_root)
    assert len(made) == 18

    html, _ = reader_get(client, "/")
    assert "<picture>" in html and "/media/images/originals/" not in html

    output = io.StringIO()
    call_command("load_demo", stdout=output)  # again: nothing more to make
    assert "renditions made" not in output.getvalue() and rendition_files(media_root) == made
