"""Private services for the fault tests: a PostgreSQL cluster and a redis-server of their own, on
free ports in a temporary folder, and the app served by gunicorn against them. The shared servers
other tests and CI use (PostgreSQL on 5432, Redis on 6379) are never touched."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
SECRET = "faults-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def missing_binaries():
    """Why the fault tests cannot run here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (set FAULTS_PG_BIN)"
    if not shutil.which("redis-server"):
        return "redis-server is not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root and runuser is missing (initdb refuses to run as root)"
    return None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url, headers=None, timeout=10):
    """(status, headers, body) for a GET; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Postgres:
    """A throw-away PostgreSQL cluster that can be stopped and started like a real outage."""

    def __init__(self):
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-faults-pg-"))
        self.data = self.folder / "data"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "newsroom")

    def _run(self, program, *args):
        command = [str(PG_BIN / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/newsroom"

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    def __init__(self):
        self.port = free_port()
        self.process = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def destroy(self):
        if self.process.poll() is None:
            self.stop()


def _wait_for_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


class App:
    """Newsroom with production settings against the private services: migrated, with the demo
    content, a partner with an API key, served by gunicorn with two workers."""

    def __init__(self, postgres, redis, folder):
        self.folder = Path(folder)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_PLAIN": "1",
            "VAR_DIR": str(self.folder),
            "DATABASE_URL": postgres.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "REDIS_URL": redis.url,
            "TASKS_BACKEND": "database",
            "TASK_LEASE_SECONDS": "2",
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_demo")
        self.api_key = self.script(
            "from newsroom.syndication.models import Partner\n"
            "partner = Partner.objects.create(name='Faults', contact_email='faults@example.com',"
            " rate_limit_per_minute=10**9)\n"
            "print(partner.issue_key(name='faults')[1])\n"
        ).strip()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
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
        """Run Python code with Django set up against the private services; returns stdout."""
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
        env = {**self.env, "WEB_CONCURRENCY": "2", "GUNICORN_MAX_REQUESTS": "0", "BIND": f"127.0.0.1:{self.port}"}
        self.log = open(self.folder / "gunicorn.log", "a")  # noqa: SIM115 (closed in stop)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "newsroom.wsgi"],
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

    def worker(self):
        """A task worker process (`manage.py worker`), polling fast."""
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--queue-name", "*", "--interval", "0.1", "--no-startup-delay"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=30)
        self.log.close()
