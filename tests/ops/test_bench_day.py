"""`make bench`'s newsroom day (tests/bench/run.py) in its short mode: readers, partners and an
editor in another process against a served small data set. It must run and report, with no error
anywhere (readers' answers, partners' polls, the editor's steps); its speed is for `make bench`."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_newsroom_day_runs_and_reports_with_zero_errors(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        BENCH_DIR=str(tmp_path),
        CACHE_DIR=str(tmp_path / "cache"),
        BENCH_SCALE="150",
        # The 50 oldest stored as copies of built ones, as at 100,000 (dataset.build_read_model):
        # the day's readers read every story, so their pages are served too.
        BENCH_BUILT_STORIES="100",
        BENCH_IMAGES="4",
        BENCH_SECONDS="1",
        BENCH_REQUESTS="40",
        BENCH_CONCURRENCY="4",
        BENCH_WORKERS="2",
        BENCH_DAY_SECONDS="3",
        BENCH_DAY_WARM_UP="1",
        BENCH_DAY_INTERVAL="2",
        # Two partners, not twenty: twenty polling every 2 s would be ten times a real day's load.
        BENCH_DAY_PARTNERS="2",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.run", "day"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "newsroom day >= 0.80 of the ceiling" in result.stdout
    figures = json.loads((tmp_path / "day.json").read_text())["newsroom_day"]
    assert figures["errors"] == 0, (figures, (tmp_path / "server.log").read_text()[-3000:])
    assert figures["rps"] > 0
    assert sum(figures["page_cache_answers"].values()) > 0
    assert figures["partner_requests"] > 0
    assert [step["action"] for step in figures["editor_actions"]][:1] == ["publish"]
