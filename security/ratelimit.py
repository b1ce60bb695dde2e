"""A fixed-window rate limiter whose counters live in PostgreSQL (DESIGN.md §7).

    @rate_limit("portal-apply", limit=5, window_seconds=3600)
    def apply(request): ...

Each request counted is one atomic upsert on RateLimitCounter's (key, window_start) constraint, so
concurrent requests from any number of web processes never lose a count, and the limit needs no cache.
The decorator keys on the scope and the client address (security.client_address), which a forged
X-Forwarded-For cannot change. Windows are fixed (aligned to the epoch): a client may spend its limit
at the end of one window and again at the start of the next, which is acceptable for throttling.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .client_address import client_address
from .models import RateLimitCounter

# prune_counters keeps a day of windows, so no window may be longer.
MAX_WINDOW_SECONDS = 24 * 60 * 60
KEEP_WINDOWS_FOR = timedelta(days=1)


def window_start(now: datetime, window_seconds: int) -> datetime:
    epoch_seconds = math.floor(now.timestamp())
    return datetime.fromtimestamp(epoch_seconds - epoch_seconds % window_seconds, tz=UTC)


def seconds_until_next_window(now: datetime, window_seconds: int) -> int:
    end = window_start(now, window_seconds) + timedelta(seconds=window_seconds)
    return max(1, math.ceil((end - now).total_seconds()))


def hit(key: str, *, limit: int, window_seconds: int, now: datetime | None = None) -> bool:
    """Count one request for `key` in the current window; True while the count is within `limit`."""
    if not 0 < window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"window_seconds must be between 1 and {MAX_WINDOW_SECONDS}")
    if len(key) > RateLimitCounter._meta.get_field("key").max_length:
        raise ValueError("rate-limit key too long")
    start = window_start(now or timezone.now(), window_seconds)
    quote = connection.ops.quote_name
    table = quote(RateLimitCounter._meta.db_table)
    key_column, start_column, count_column = quote("key"), quote("window_start"), quote("count")
    # One statement: the insert and the increment cannot interleave with another request's, so
    # exactly `limit` requests of a window get a count within the limit, however many arrive at once.
    sql = (
        f"INSERT INTO {table} ({key_column}, {start_column}, {count_column}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({key_column}, {start_column}) "
        f"DO UPDATE SET {count_column} = {table}.{count_column} + 1 "
        f"RETURNING {count_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, start])
        (count,) = cursor.fetchone()
    return count <= limit


def prune_counters(*, now: datetime | None = None) -> int:
    """Delete the counters of windows that started more than a day ago; returns how many."""
    cutoff = (now or timezone.now()) - KEEP_WINDOWS_FOR
    deleted, _ = RateLimitCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted


def rate_limited_response(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    response = render(request, "security/rate_limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(
    scope: str, *, limit: int, window_seconds: int, methods: Iterable[str] = ("POST",)
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answer 429 once a client address has sent `limit` requests of `methods` in a window of `scope`.

    Requests of other methods pass uncounted (by default a form page may be read freely; only
    submitting it counts). Works on function views and on `SomeView.as_view()`.
    """
    counted = {method.upper() for method in methods}

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in counted:
                now = timezone.now()
                key = f"{scope}:{client_address(request) or 'unknown'}"
                if not hit(key, limit=limit, window_seconds=window_seconds, now=now):
                    return rate_limited_response(request, retry_after=seconds_until_next_window(now, window_seconds))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
