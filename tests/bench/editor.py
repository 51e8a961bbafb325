"""The editor of `make bench`'s newsroom day (tests/bench/run.py), in a process of its own against
the database and cache the server uses, as an editor at the admin would be: every ``--interval``
seconds, alternately, a new story is written, submitted, approved and published, or the newest
live story is updated, through ``articles.services`` and ``articles.workflow``. Each step
invalidates what it touches, so the readers' load meets the misses a busy newsroom makes.

Prints one JSON line at the end: {"actions": [...], "failures": [...]}.

    DJANGO_SETTINGS_MODULE=tests.bench.settings python -m tests.bench.editor --seconds 70 --interval 10
"""

import argparse
import json
import signal
import time

import django

EDITOR_USERNAME = "bench-editor"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--interval", type=float, default=10)
    args = parser.parse_args()
    django.setup()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    editor = _editor()
    actions, failures = [], []
    deadline = time.monotonic() + args.seconds
    step = 0
    while time.monotonic() < deadline and not stopping:
        started = time.monotonic()
        name = "publish" if step % 2 == 0 else "update"
        try:
            (publish_new_story if name == "publish" else update_newest_story)(editor, step)
            actions.append({"action": name, "seconds": round(time.monotonic() - started, 3)})
        except Exception as error:  # noqa: BLE001 (every failure is reported, and counts as an error)
            failures.append(f"{name}: {error!r}")
        step += 1
        time.sleep(max(0.0, min(args.interval - (time.monotonic() - started), deadline - time.monotonic())))
    print(json.dumps({"actions": actions, "failures": failures}), flush=True)


def _editor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from newsroom.core.roles import EDITOR

    user, _ = get_user_model().objects.get_or_create(
        username=EDITOR_USERNAME, defaults={"first_name": "Bench", "last_name": "Editor", "is_staff": True}
    )
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


def publish_new_story(editor, step):
    from articles import workflow
    from articles.models import Article, Author, Byline, Section
    from articles.services import save_article
    from newsroom.media.models import Image

    stamp = time.strftime("%H%M%S")
    article = Article(
        headline=f"Newsroom day: a story published at {stamp} ({step})",
        standfirst="Written during the benchmark's newsroom day by its editor process.",
        body="<p>A new story, published while readers and partners are reading.</p>" * 6,
        section=Section.objects.order_by("?").first(),
        lead_image=Image.objects.order_by("?").first(),
    )
    author = Author.objects.order_by("pk").first()

    def bylines():
        if author:
            Byline.objects.create(article=article, author=author, position=0)

    save_article(article, editor, message="Newsroom day: first draft", save_related=bylines)
    workflow.submit(article, editor)
    workflow.approve(article, editor)
    workflow.publish(article, editor)


def update_newest_story(editor, step):
    from articles.models import Article
    from articles.services import publish_changes, save_article

    article = Article.objects.live().order_by("-publish_at", "-pk").first()
    article.standfirst = f"Updated during the newsroom day (step {step}): {article.standfirst}"[:300]
    # Saving a live story keeps a draft of the change; publishing it is the step readers see.
    revision = save_article(article, editor, expected_version=article.version, message="Newsroom day: update")
    publish_changes(article, editor, revision.version)


if __name__ == "__main__":
    main()
