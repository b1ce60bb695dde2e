"""GET /healthz for load balancers and monitoring.

200 while the database answers, 503 when it does not. The broker's state is reported in the body but
does not change the status: a Redis outage must show without taking every web node out of the pool,
because pages and the public form keep working on PostgreSQL alone (DESIGN.md §7).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.permissions import public


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "down"
    return "up"


def broker_state() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return "up" if folder.is_dir() else "down"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return "down"
    return "up"


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_state()
    body = {"status": "ok" if database == "up" else "error", "database": database, "broker": broker_state()}
    return JsonResponse(body, status=200 if database == "up" else 503)
