"""The edge part of `make bench`: the shipped Varnish configuration (deploy/varnish/newsroom.vcl,
started as tests/edge starts it) in front of the bench's gunicorn.

1. Cached pages at the edge: the home page and the article pages, loaded through Varnish by the
   same load generator, each as a ratio to Varnish serving a static file (a hit that costs the
   app nothing) measured in the same run.
2. Publish to edge: an editor's update through the workflow, in a process of its own, sent to
   the edge by the task worker (`manage.py worker`, as deployed), timed from the start of the
   editor's change until Varnish serves the new headline (polled every few milliseconds). The
   data set keeps the last headline and a `bench-editor` superuser.

Skipped, saying so, when varnishd (Debian's varnish and varnish-modules) is not installed.

    python -m tests.bench.edge editor <article path>   # the editor's process (stdin: headlines)
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

from tests.edge.varnish import ROOT, VARNISHD, Varnish, available

SAMPLES = int(os.environ.get("BENCH_EDGE_SAMPLES", "5"))
# The longest a publish may take to reach the edge before the sample counts as failed.
PUBLISH_TIMEOUT = 30
POLL_SECONDS = 0.005
# What every browser sends: Varnish stores what whitenoise gzipped (the static file) compressed, and
# would otherwise unzip it for every request, a cost no reader causes.
READER = {"Accept-Encoding": "gzip"}


def measure(plan, server, env, folder, load, concurrency, say):
    """The edge figures, or {"skipped": why} if Varnish does not start. ``server`` is a started
    bench Server (page cache on) whose environment is ``env``; ``load(base, paths, headers,
    concurrency)`` is the bench's load generator with its settings (concurrency 0: a short
    warm-up). Varnish's files go in ``folder``."""
    try:
        varnish = Varnish(folder, [server.port])
    except RuntimeError as error:  # installed but unusable (no xkey vmod, say): not this bench's figures
        return {"skipped": f"Varnish did not start with deploy/varnish/newsroom.vcl: {str(error)[-500:]}"}
    try:
        say(f"\nEdge: Varnish pid {varnish.process.pid} in front of gunicorn pid {server.process.pid}")
        static = _static_file(varnish.base)
        pages = {"static": [static], "home": ["/"], "article": plan["article"]}
        figures = {"static_file": static, "pages": _load(varnish, pages, load, concurrency, say)}
        edge_env = {**env, "TASKS_BACKEND": "database", "EDGE_PURGE_URLS": varnish.base + "/"}
        figures["publish_to_edge"] = _publish_to_edge(varnish, plan["article"][0], edge_env, say)
        return figures
    finally:
        varnish.stop()


def missing():
    """Why the edge part cannot run here, or None."""
    if available():
        return None
    return f"Varnish is not installed ({VARNISHD}): apt-get install varnish varnish-modules (make bench-deps does, as root)"


def _static_file(base):
    """The address of the site's stylesheet, as the home page links it (fingerprinted)."""
    with urllib.request.urlopen(base + "/", timeout=30) as response:  # noqa: S310 (loopback)
        page = response.read().decode()
    return re.search(r'href="(/static/[^"]+\.css)"', page).group(1)


def _hit_share(varnish, paths):
    """Share of ``paths`` Varnish answers from its cache right now."""
    answers = [varnish.get(path, READER) for path in paths]
    return sum(answer[1].get("X-Cache") == "hit" for answer in answers) / len(answers)


def _load(varnish, pages, load, concurrency, say):
    for paths in pages.values():  # stored at the edge before anything is measured
        for path in paths:
            varnish.get(path, READER)
    figures = {}
    for name, paths in pages.items():
        load(varnish.base, paths, READER, 0)  # connections and Varnish's threads warmed
        figures[name] = {}
        for c in concurrency:
            result = load(varnish.base, paths, READER, c)
            static = figures["static"][c]["rps"] if name != "static" else result["rps"]
            result["ratio"] = round(result["rps"] / static, 4)
            figures[name][c] = {
                k: round(v, 2) if isinstance(v, float) and k != "ratio" else v for k, v in result.items()
            }
            say(
                f"  {'edge ' + name:15} c={c:<3} {result['rps']:8.0f} req/s  ratio {result['ratio']:5.2f}  "
                f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  errors {result['errors']}"
            )
        # Measured as hits, or the ratio would mean something else: checked after the load.
        figures[name]["hit_share_after"] = round(_hit_share(varnish, paths), 2)
        # Bigger answers cost Varnish more to send: part of any ratio's explanation (as sent).
        figures[name]["bytes"] = round(statistics.mean(len(varnish.get(path, READER)[2]) for path in paths))
    return figures


def _publish_to_edge(varnish, path, env, say):
    """Milliseconds from an editor's update (another process) to Varnish serving it, SAMPLES times."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queue-name", "default", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    editor = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.edge", "editor", path],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    samples, failures = [], []
    try:
        json.loads(editor.stdout.readline())  # ready: Django set up, the editor signed in
        for n in range(SAMPLES):
            varnish.get(path)
            if varnish.get(path)[1].get("X-Cache") != "hit":
                failures.append(f"sample {n + 1}: the article was not cached at the edge before the update")
                continue
            headline = f"Edge bench update {n + 1} at {time.time():.3f}"
            editor.stdin.write(headline + "\n")
            deadline = time.monotonic() + PUBLISH_TIMEOUT
            while headline.encode() not in varnish.get(path)[2]:
                if time.monotonic() > deadline:
                    break
                time.sleep(POLL_SECONDS)
            seen = time.time()
            timings = json.loads(editor.stdout.readline())
            if seen - timings["started"] > PUBLISH_TIMEOUT:
                failures.append(f"sample {n + 1}: not served by the edge within {PUBLISH_TIMEOUT} s")
                continue
            samples.append(
                {
                    "publish_to_edge_ms": round((seen - timings["started"]) * 1000, 1),
                    "editor_ms": round((timings["committed"] - timings["started"]) * 1000, 1),
                }
            )
    finally:
        editor.stdin.close()
        editor.wait(timeout=30)
        worker.terminate()
        worker.wait(timeout=30)
    figures = {"samples": samples, "failures": failures, "worker_poll_interval_s": 0.1}
    if samples:
        figures["median_ms"] = statistics.median(s["publish_to_edge_ms"] for s in samples)
        figures["median_editor_ms"] = statistics.median(s["editor_ms"] for s in samples)
        say(
            f"  publish to edge: median {figures['median_ms']:.0f} ms over {len(samples)} updates "
            f"(the editor's own update: {figures['median_editor_ms']:.0f} ms; "
            f"each: {', '.join(str(round(s['publish_to_edge_ms'])) for s in samples)} ms)"
        )
    for failure in failures:
        say(f"  publish to edge: {failure}")
    return figures


def editor(path):
    """The editor's process: for each headline read from stdin, change the article at ``path``
    and publish the update through the workflow; print when it started and when it committed
    (wall-clock seconds, comparable across processes on this machine)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from articles import workflow
    from articles.models import Article

    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    article = Article.objects.get(slug=path.rstrip("/").rsplit("/", 1)[-1])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        started = time.time()
        Article.objects.filter(pk=article.pk).update(headline=line.strip())
        workflow.update(article, editor)
        print(json.dumps({"started": started, "committed": time.time()}), flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["editor"]:
    editor(sys.argv[2])
