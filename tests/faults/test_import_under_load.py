"""A 100,000-row CSV import on the default setup, SQLite with `runserver` and the task worker as
`make run` starts them, while another editor saves a vehicle record every second (issue 13):
every save and login succeeds, and the import finishes. The figures (how long the check and the
import took, the editor's longest and median wait) are printed and kept in
`var/faults/csv-import.json`; FAULTS_IMPORT_ROWS makes a quicker run while developing."""

import json
import os
import signal
import subprocess
import sys

from tests.faults import csv_import
from tests.servers import ROOT, free_port, wait_for_port

ROWS = int(os.environ.get("FAULTS_IMPORT_ROWS", "100000"))
PASSWORD = "faults-import-password"
SETUP = f"""
from django.contrib.auth.models import Group, User
from tests.faults.csv_import import prepare
from demo.toyotas import load_toyota_japan

load_toyota_japan()
prepare()
for name in ("importer", "desk"):
    user = User.objects.create_user(name, password={PASSWORD!r}, is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
"""


def test_a_100000_row_import_while_an_editor_saves_every_second(tmp_path, capsys):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    port = free_port()
    env |= {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "TASKS_BACKEND": "database",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below)
    processes = [
        subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env, stdout=log, stderr=log
        ),
        subprocess.Popen([*manage, "worker", "--queue-name", "*"], cwd=ROOT, env=env, stdout=log, stderr=log),
    ]
    try:
        wait_for_port(port, timeout=60)
        result = csv_import.run(f"http://127.0.0.1:{port}", ROWS, ("importer", PASSWORD), ("desk", PASSWORD))
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
        log.close()
    report = ROOT / "var" / "faults" / "csv-import.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(result, indent=2))
    with capsys.disabled():
        print(f"\nCSV import under load: {json.dumps(result)}")

    assert result["state"] == "done", result
    assert result["result"].startswith("Imported in") and f"{ROWS:,} new, 0 updated" in result["result"]
    assert result["editor_requests"] > 0
    assert result["editor_errors"] == [], result  # not one save or login failed or waited out
