"""A real Varnish for tests: varnishd in the foreground, with the shipped deploy/varnish/newsroom.vcl
(copied as it is) and a site.vcl naming the test's app servers, on a free loopback port."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.servers import free_port, get, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"

SITE_VCL = """vcl 4.1;

import directors;

{backends}

sub vcl_init {{
    new newsroom_app = directors.round_robin();
{members}
}}

sub newsroom_backend {{
    set req.backend_hint = newsroom_app.backend();
}}

acl newsroom_purgers {{ "127.0.0.1"; }}
acl newsroom_tls_proxies {{ "127.0.0.1"; }}
"""

BACKEND = """backend app{number} {{
    .host = "127.0.0.1";
    .port = "{port}";
    .host_header = "localhost";
    .probe = newsroom_healthz;
    .connect_timeout = 1s;
}}"""


def available():
    return os.access(VARNISHD, os.X_OK)


class Varnish:
    def __init__(self, folder, app_ports, port=None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "deploy" / "varnish" / "newsroom.vcl", self.folder / "newsroom.vcl")
        backends = "\n\n".join(BACKEND.format(number=n, port=port) for n, port in enumerate(app_ports, 1))
        members = "\n".join(f"    newsroom_app.add_backend(app{n});" for n in range(1, len(app_ports) + 1))
        (self.folder / "site.vcl").write_text(SITE_VCL.format(backends=backends, members=members))
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(self.folder / "varnishd.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                VARNISHD,
                "-F",
                "-j",
                "none",  # run as this user, as root or not
                "-n",
                str(self.folder / "work"),
                "-a",
                f"127.0.0.1:{self.port}",
                "-T",
                f"127.0.0.1:{free_port()}",
                "-f",
                str(self.folder / "newsroom.vcl"),
                "-s",
                "malloc,64m",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, timeout=30)
        except RuntimeError:
            self.stop()
            raise RuntimeError((self.folder / "varnishd.log").read_text()[-3000:])

    def backend_health(self):
        """{backend name: "healthy" | "sick"} as Varnish's probes see them (varnishadm backend.list)."""
        listing = subprocess.run(
            [shutil.which("varnishadm") or "/usr/bin/varnishadm", "-n", str(self.folder / "work"), "backend.list"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        health = {}
        for line in listing.splitlines()[1:]:
            fields = line.split()
            if fields:
                health[fields[0].split(".")[-1]] = "sick" if "sick" in line.lower() else "healthy"
        return health

    def get(self, path, headers=None):
        return get(self.base + path, headers=headers)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def wait_until(condition, timeout=10, interval=0.05):
    """Poll ``condition`` until it returns something true; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s")
        time.sleep(interval)
