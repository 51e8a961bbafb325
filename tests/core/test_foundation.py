import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from articles.models import Article
from newsroom.core.roles import EDITOR, SITE_ADMIN, WRITER
from vehicles.models import MarketAvailability, Plant, VehicleModel

ROOT = Path(__file__).resolve().parents[2]


def _settings_import(env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = _settings_import({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG=1" in result.stderr


def test_debug_generates_a_development_key(tmp_path):
    result = _settings_import({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "dev-secret-key").read_text()) > 40


def _django(code, env):
    """Run ``code`` after django.setup() in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "SITE_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


SHOW_SETTINGS = "from django.conf import settings; print(settings.DEBUG, settings.SITE_URL)"


def test_a_command_in_another_shell_runs_with_the_settings_make_run_wrote(tmp_path):
    (tmp_path / "dev.env").write_text("# written by make run\nDEBUG=1\nSITE_URL=http://127.0.0.1:8123\n")
    result = _django(SHOW_SETTINGS, {"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "http://127.0.0.1:8123"]
    # The environment wins over the file.
    result = _django(SHOW_SETTINGS, {"VAR_DIR": str(tmp_path), "SITE_URL": "http://localhost:9000"})
    assert result.stdout.split() == ["True", "http://localhost:9000"]
    # A process given a SECRET_KEY (a deployment) never takes a laptop's DEBUG from a leftover file.
    result = _django(SHOW_SETTINGS, {"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 50})
    assert result.stdout.split() == ["False", "http://127.0.0.1:8000"]


def test_each_log_line_is_printed_once_in_development(tmp_path):
    """Django's own console handler for its "django" logger printed each of its lines a second
    time, beside the JSON line, whenever DEBUG was on (as in `make run`)."""
    code = "import logging; logging.getLogger('django.request').warning('Bad Request: /nowhere')"
    result = _django(code, {"VAR_DIR": str(tmp_path), "DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "Bad Request: /nowhere" in line]
    assert len(lines) == 1, result.stderr
    assert json.loads(lines[0])["logger"] == "django.request"


@pytest.mark.django_db
def test_roles_exist_with_increasing_powers():
    writer, editor, admin = (Group.objects.get(name=n) for n in (WRITER, EDITOR, SITE_ADMIN))
    writer_perms = set(writer.permissions.values_list("codename", flat=True))
    editor_perms = set(editor.permissions.values_list("codename", flat=True))
    admin_perms = set(admin.permissions.values_list("codename", flat=True))
    assert {"add_article", "submit_article"} <= writer_perms
    assert "publish_article" not in writer_perms
    assert {"approve_article", "publish_article", "withdraw_article", "change_vehiclemodel"} <= editor_perms
    assert writer_perms < editor_perms < admin_perms
    assert {"add_user", "change_user"} <= admin_perms
    assert "add_user" not in editor_perms


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert response["X-Request-ID"]


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # A real unreachable server: nothing listens on port 1.
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(r.status_code, r.json())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        DATABASE_CONNECT_TIMEOUT="1",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("503 {'status': 'unavailable', 'database': False}")


def test_request_id_from_a_proxy_is_kept_only_when_sane(client, db):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"})["X-Request-ID"] != "<script>"


def test_load_demo_twice_creates_nothing_twice(demo):
    from demo.content import load_demo

    counts = (
        Article.objects.count(),
        VehicleModel.objects.count(),
        Plant.objects.count(),
        MarketAvailability.objects.count(),
    )
    again = load_demo()
    assert counts == (
        Article.objects.count(),
        VehicleModel.objects.count(),
        Plant.objects.count(),
        MarketAvailability.objects.count(),
    )
    # Three articles and models, their three plants; Japan launches plus the Camry's 2023 exit.
    assert counts == (3, 3, 3, 4)
    assert demo["logins"] == again["logins"]


def test_demo_logins_work(demo):
    # Through the admin's sign-in form, as the logins `make run` prints are used.
    for username, password, _role in demo["logins"]:
        client = Client()
        response = client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert client.get("/admin/").context["user"].get_username() == username


@pytest.mark.django_db(transaction=True)
def test_roles_survive_a_flush():
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) == {WRITER, EDITOR, SITE_ADMIN}
    assert Group.objects.get(name=EDITOR).permissions.filter(codename="publish_article").exists()
