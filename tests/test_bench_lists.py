"""bench/lists.py's P3 times the worklist's SQL on a raw psycopg2 connection: it must reach the server
and database Django uses, also when their address is only in OPTIONS, as with the embedded server."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import lists

WHERE = "SELECT current_database(), inet_server_addr()::text, inet_server_port()"


@pytest.mark.django_db
def test_the_raw_connection_reaches_django_s_server_when_its_address_is_in_options(monkeypatch):
    # The embedded server's URL (postgresql://postgres:@/yaoyao?host=<socket dir>) leaves HOST and PORT
    # empty and puts the address in OPTIONS (dj_database_url): the same shape, with this test's server.
    settings = connection.settings_dict
    address = {"host": settings["HOST"] or settings["OPTIONS"]["host"]}
    if settings["PORT"] or settings["OPTIONS"].get("port"):
        address["port"] = settings["PORT"] or settings["OPTIONS"]["port"]
    monkeypatch.setitem(settings, "OPTIONS", {**settings["OPTIONS"], **address})
    monkeypatch.setitem(settings, "HOST", "")
    monkeypatch.setitem(settings, "PORT", "")
    with connection.cursor() as cursor:
        cursor.execute(WHERE)
        django_s = cursor.fetchone()

    raw = lists.Worker.raw_connection(None)
    try:
        with raw.cursor() as cursor:
            cursor.execute(WHERE)
            assert cursor.fetchone() == django_s
        assert type(raw.cursor()).__module__.startswith("psycopg2")  # psycopg2's own cursor, not Django's
    finally:
        raw.close()
