"""`make run` twice in one checkout: the second refuses, naming the first, and leaves its embedded
PostgreSQL alone; the server is stopped only by the last `make run`/`make test` that uses it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from yaoyao_mediation import embedded_db

ROOT = Path(__file__).resolve().parent.parent

# The first `make run`, reduced to what it does with the database: it takes the run mark, starts the
# embedded server in its checkout, says who it is, and keeps both until its stdin is closed.
FIRST_RUN = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from yaoyao_mediation import embedded_db
base = Path({base!r})
mark = embedded_db.claim_run(base)
with embedded_db.in_use(base):
    socket = embedded_db.socket_dir(base)
    embedded_db.describe_run(mark, f"pid {{os.getpid()}}, http://127.0.0.1:8017/, PostgreSQL socket in {{socket}}")
    print(os.environ["DATABASE_URL"], flush=True)
    sys.stdin.read()
"""


def dev_script():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def checkout():
    # A short path of its own: the server's Unix socket lives inside it (sockets paths are limited to
    # 107 bytes), and the checkout's real .devdata is never touched.
    base = Path(tempfile.mkdtemp(prefix="run-", dir="/tmp"))
    yield base
    embedded_db.stop(base)
    shutil.rmtree(base, ignore_errors=True)


def select_one(url: str) -> int:
    connection = psycopg2.connect(url, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_a_second_make_run_refuses_naming_the_first_and_leaves_its_database_running(checkout, monkeypatch):
    first = subprocess.Popen(
        [sys.executable, "-c", FIRST_RUN.format(root=str(ROOT), base=str(checkout))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = first.stdout.readline().strip()
        assert url.startswith("postgresql://"), url
        socket = embedded_db.socket_dir(checkout)
        assert socket is not None

        dev = dev_script()
        monkeypatch.setattr(dev, "BASE_DIR", checkout)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        served = []
        monkeypatch.setattr(dev, "serve", lambda port: served.append(port) or 0)

        with pytest.raises(SystemExit) as refused:
            dev.run()

        message = str(refused.value.code)
        assert "Another `make run` of this checkout is running" in message
        assert f"pid {first.pid}" in message
        assert "http://127.0.0.1:8017/" in message
        assert f"PostgreSQL socket in {socket}" in message
        assert served == []
        # The first run keeps its process, its mark and its database.
        assert first.poll() is None
        assert select_one(url) == 1
        with pytest.raises(embedded_db.AlreadyRunning):
            embedded_db.claim_run(checkout)

        # A `make test` meanwhile shares the server and, not being the last user, leaves it running.
        with embedded_db.in_use(checkout):
            assert select_one(url) == 1
        assert embedded_db.socket_dir(checkout) == socket
        assert select_one(url) == 1
    finally:
        first.stdin.close()
        first.wait(timeout=60)

    # The first run, the last user, stopped the server when it ended, and released its mark.
    assert first.returncode == 0
    assert embedded_db.socket_dir(checkout) is None
    embedded_db.claim_run(checkout).close()


def test_a_make_run_starts_when_none_is_running(checkout, monkeypatch):
    dev = dev_script()
    monkeypatch.setattr(dev, "BASE_DIR", checkout)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    served = []

    def serve(port: str) -> int:
        # While serving: the database runs and the mark names this process.
        served.append(select_one(embedded_db.ensure_running(checkout)))
        assert (checkout / ".devdata" / "run.lock").read_text().startswith(f"pid {os.getpid()}, ")
        return 0

    monkeypatch.setattr(dev, "serve", serve)
    monkeypatch.setattr(dev, "warn_missing_system_packages", lambda: None)

    assert dev.run() == 0

    assert served == [1]
    assert embedded_db.socket_dir(checkout) is None  # stopped at the end: no one else used it
