"""The audit administrator's pages: the write trail and the read-access log (DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import requires

from . import selectors
from .forms import AccessLogSearchForm, EventSearchForm
from .selectors import Cursor

PAGE_SIZE = 50


@requires("read_audit_trail")
def events(request: HttpRequest) -> HttpResponse:
    form = EventSearchForm(request.GET)
    after = _cursor(request)
    rows = selectors.event_page(**form.search(), after=after, limit=PAGE_SIZE + 1) if form.is_valid() else []
    return render(request, "audit/events.html", {"form": form, **_page(request, rows, lambda event: event.cursor)})


@requires("read_audit_trail")
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogSearchForm(request.GET)
    after = _cursor(request)
    rows = selectors.access_log_page(**form.search(), after=after, limit=PAGE_SIZE + 1) if form.is_valid() else []
    return render(
        request,
        "audit/access_log.html",
        {"form": form, **_page(request, rows, lambda row: Cursor(row.created_at, "", row.pk))},
    )


def _cursor(request: HttpRequest) -> Cursor | None:
    if "after" not in request.GET:
        return None
    try:
        return Cursor.decode(request.GET["after"])
    except ValueError as error:
        raise BadRequest("bad page cursor") from error


def _page(request: HttpRequest, rows: Sequence, cursor_of: Callable) -> dict:
    """The rows of the page (the selector fetched one more than PAGE_SIZE to learn whether there is a
    next page), and the links to the first page and to the next, with the same search."""
    query = request.GET.copy()
    query.pop("after", None)
    first_url = f"?{query.urlencode()}" if "after" in request.GET else None
    next_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        query["after"] = cursor_of(rows[-1]).encode()
        next_url = f"?{query.urlencode()}"
    return {"rows": rows, "first_url": first_url, "next_url": next_url}
