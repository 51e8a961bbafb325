import os
import shutil
import signal
import tempfile

import pytest

from tests.faults.services import Postgres, Redis, missing_binaries
from tests.servers import App


def pytest_collection_modifyitems(config, items):
    """Run only when asked (FAULTS=1: CI's own "fault tests" step, or `make faults`), and only
    where the service binaries exist. They start their own servers and a load of 10,000 requests,
    so a plain `make test` (on either database) leaves them out."""
    reason = missing_binaries()
    if reason is None and os.environ.get("FAULTS") != "1":
        reason = "fault tests run on their own: FAULTS=1 (make faults; CI's fault-tests step)"
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def postgres():
    # A CI timeout sends SIGTERM: unwind like Ctrl-C so the private servers are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = Postgres()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def redis():
    server = Redis()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def app(postgres, redis):
    folder = tempfile.mkdtemp(prefix="newsroom-faults-app-")
    served = App(folder, postgres.url, redis.url)
    yield served
    served.stop()
    shutil.rmtree(folder, ignore_errors=True)
