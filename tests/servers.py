"""The app as production runs it, for tests that need real processes: migrated, with the demo
content and a partner key, served by gunicorn with several workers, with task workers beside it.
Used by the fault tests (against their private PostgreSQL and Redis) and by the serving tests
(against a database of their own, with no Redis: the one-machine default)."""

import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "servers-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@contextlib.contextmanager
def private_database(folder, name):
    """The URL of a database of its own for served apps: a file in ``folder`` on SQLite, a fresh
    database ``name`` on the suite's PostgreSQL server when DATABASE_URL names one (dropped after)."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{Path(folder) / 'newsroom.sqlite3'}"
        return
    import psycopg

    server = urllib.parse.urlsplit(suite_url)
    maintenance = server._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def get(url, headers=None, timeout=10):
    """(status, headers, body) for a GET; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class App:
    """Newsroom with production settings (DEBUG off) in ``folder``, against ``database_url`` and,
    when given, ``redis_url``; without it the cache is the machine's shared file cache."""

    def __init__(self, folder, database_url, redis_url=None, workers=2, **env):
        self.folder = Path(folder)
        self.workers = workers
        self.env = {
            **{key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CACHE_DIR"}},
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_PLAIN": "1",
            "VAR_DIR": str(self.folder),
            "DATABASE_URL": database_url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "TASKS_BACKEND": "database",
            "TASK_LEASE_SECONDS": "2",
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **({"REDIS_URL": redis_url} if redis_url else {}),
            **env,
        }
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_demo")
        self.api_key = self.script(
            "from newsroom.syndication.models import Partner\n"
            "partner = Partner.objects.create(name='Servers', contact_email='servers@example.com',"
            " rate_limit_per_minute=10**9)\n"
            "print(partner.issue_key(name='servers')[1])\n"
        ).strip()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = self.folder / "access.log"
        self.server = None
        self.start()

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def script(self, code):
        """Run Python code in a process of its own, with Django set up like the app's; returns stdout."""
        prelude = "import django\ndjango.setup()\n"
        result = subprocess.run(
            [sys.executable, "-c", prelude + code], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(result.stderr[-3000:])
        return result.stdout

    def query(self, code):
        """Like script, for code that prints one JSON value."""
        return json.loads(self.script(code).strip().splitlines()[-1])

    def start(self):
        env = {
            **self.env,
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_MAX_REQUESTS": "0",
            "BIND": f"127.0.0.1:{self.port}",
        }
        self.log = open(self.folder / "gunicorn.log", "a")  # noqa: SIM115 (closed in stop)
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                # Which worker answered each request, in order: "<pid> <status> <path>".
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                "%(p)s %(s)s %(U)s",
                "newsroom.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError((self.folder / "gunicorn.log").read_text()[-3000:])
            try:
                if get(self.base + "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not become healthy in 60 s")

    def another_server(self):
        """A second app server on its own port: same settings, database and cache, as a load
        balancer's second machine would be."""
        other = copy.copy(self)
        other.port = free_port()
        other.base = f"http://127.0.0.1:{other.port}"
        other.access_log = self.folder / f"access-{other.port}.log"
        other.server = None
        other.start()
        return other

    def answered(self):
        """[(worker pid, status, path)] for every request served so far, in order."""
        if not self.access_log.exists():
            return []
        lines = self.access_log.read_text().splitlines()
        return [(pid, int(status), path) for pid, status, path in (line.split(" ", 2) for line in lines)]

    def worker(self, *args, env=None, **popen):
        """A task worker process (`manage.py worker`), polling fast; ``env`` adds to the app's settings."""
        popen = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **popen}
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--queue-name", "*", "--interval", "0.1", "--no-startup-delay"]
            + list(args),
            cwd=ROOT,
            env={**self.env, **(env or {})},
            **popen,
        )

    def stop(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=30)
        self.log.close()
