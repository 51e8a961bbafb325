"""Run in its own process with the benchmark's environment: migrate, collect static files, build
the data set when missing and its images' renditions, then find the URLs to load, request each
once (the warm-up, which must make no rendition) and count the SQL queries each one runs
(Django test client + CaptureQueriesContext, page cache off). Writes a JSON plan for run.py.

    python -m tests.bench.prepare --scale 10000 --out var/bench/plan-10000.json
"""

import argparse
import json
import random
import sys
import time

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)

    from tests.bench import dataset

    def log(message):
        print(message, file=sys.stderr, flush=True)

    built = dataset.build(args.scale, log=log)
    made, seconds = dataset.make_renditions(log=log)
    # The data set is written directly, not through the workflow: store its stories as it would,
    # in several processes (100,000 stories take an hour in one), then finish as a deploy does.
    stored = dataset.build_read_model(log=log)
    call_command("rebuild_read_model")
    if built or stored:
        # Statistics of the tables as measured: without them PostgreSQL plans the read model's
        # queries for a table a third of which matches (next_change read all its rows).
        _analyze()
    keys = dataset.partner_keys()
    plan = {"scale": args.scale, "api_key": keys[0] if keys else None, "partner_keys": keys, **_urls()}
    plan["day"] = _newsroom_day_urls()
    plan["renditions_before_warm_up"] = {"made": made, "seconds": round(seconds, 1)}
    plan["warm_up"] = _warm(plan, log)
    plan["queries"] = _count_queries(plan)
    with open(args.out, "w") as out:
        json.dump(plan, out, indent=2)


def _analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _urls():
    from articles.models import Article
    from vehicles.models import VehicleModel

    rng = random.Random(7)
    live = list(Article.objects.live().order_by("-publish_at").values_list("id", "slug")[:2000])
    sample = rng.sample(live, min(50, len(live)))
    vehicles = list(VehicleModel.objects.select_related("make").order_by("id"))
    return {
        "article": [f"/articles/{slug}/" for _id, slug in sample],
        "vehicle": [f"/vehicles/{vm.make.slug}/{vm.slug}/" for vm in rng.sample(vehicles, min(30, len(vehicles)))],
        "search": [f"/search/?q={word}" for word in rng.sample(_search_words(), 20)],
        "api_detail": [f"/api/v1/articles/{article_id}/" for article_id, _slug in sample],
    }


def _newsroom_day_urls():
    """What the newsroom day's readers read (run.py samples from it): every live article, newest
    first (Zipf's rank order), and the other pages."""
    from articles.models import Article, Section

    return {
        "articles": [
            f"/articles/{slug}/"
            for slug in Article.objects.live().order_by("-publish_at", "-id").values_list("slug", flat=True)
        ],
        "sections": [
            f"/section/{slug}/" for slug in Section.objects.order_by("position").values_list("slug", flat=True)
        ],
        "feeds": ["/feed/rss/", "/feed/atom/"],
    }


def _warm(plan, log):
    """Request every URL once, so that what is done once per process (template loading, the first
    connection, caches) is not measured. Renditions are made before (``dataset.make_renditions``):
    a request that made one would be a bug, and stops the run. Returns the first (cold) home and
    article requests' times and the warm-up's total."""
    from django.test import Client

    from newsroom.media.models import Rendition

    client = Client()
    headers = {"Authorization": f"Bearer {plan['api_key']}"} if plan["api_key"] else {}
    requests = [(path, {}) for path in ["/", "/feed/atom/", *plan["article"], *plan["vehicle"], *plan["search"]]]
    for path in ["/api/v1/articles/?page_size=50", *plan["api_detail"]]:
        requests += [(path, headers), (path, {**headers, "Accept": "application/ninjs+json"})]
    renditions_before = Rendition.objects.count()
    seconds = {}
    started = time.monotonic()
    for path, request_headers in requests:
        request_started = time.monotonic()
        client.get(path, headers=request_headers)
        seconds.setdefault(path, time.monotonic() - request_started)
    made = Rendition.objects.count() - renditions_before
    if made:
        raise SystemExit(f"The warm-up's requests made {made} renditions: readers' requests must never make one.")
    figures = {
        "requests": len(requests),
        "seconds": round(time.monotonic() - started, 2),
        "renditions_made": made,
        "cold_home_seconds": round(seconds["/"], 3),
        "cold_article_seconds": round(seconds[plan["article"][0]], 3),
    }
    log(
        f"  warmed {figures['requests']} URLs in {figures['seconds']} s, no rendition made "
        f"(cold home {figures['cold_home_seconds']} s, cold article {figures['cold_article_seconds']} s)"
    )
    return figures


def _search_words():
    from tests.bench.dataset import WORDS

    return list(WORDS)


def _count_queries(plan):
    """SQL queries per request, for one representative URL of each kind (page cache off)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    api_headers = {"Authorization": f"Bearer {plan['api_key']}"} if plan["api_key"] else {}
    probes = {
        "home": ("/", {}),
        "article": (plan["article"][0], {}),
        "vehicle": (plan["vehicle"][0], {}),
        "search": (plan["search"][0], {}),
        "atom": ("/feed/atom/", {}),
        "api_list": ("/api/v1/articles/?page_size=50", api_headers),
        "api_list_ninjs": ("/api/v1/articles/?page_size=50", {**api_headers, "Accept": "application/ninjs+json"}),
        "api_detail": (plan["api_detail"][0], api_headers),
        "api_detail_ninjs": (plan["api_detail"][0], {**api_headers, "Accept": "application/ninjs+json"}),
    }
    counts = {}
    for name, (path, headers) in probes.items():
        client.get(path, headers=headers)  # warm: first-use work (caches) is not counted
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        counts[name] = {"path": path, "status": response.status_code, "queries": len(queries)}
    etag = client.get(probes["api_list"][0], headers=api_headers).headers.get("ETag")
    if etag:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(probes["api_list"][0], headers={**api_headers, "If-None-Match": etag})
        counts["api_304"] = {"path": probes["api_list"][0], "status": response.status_code, "queries": len(queries)}
    return counts


if __name__ == "__main__":
    main()
