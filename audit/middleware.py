"""The request context of every audit event written while a request runs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from pghistory.middleware import HistoryMiddleware

from security.client_address import client_address


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware ("user": the pk, "url": the request path without the query string, which
    may carry search terms) plus the HTTP method and the client address (trusting X-Forwarded-For only
    as far as our own proxies). The triggers copy this context into each event row; pghistory updates
    "user" when a view signs someone in, for the events that follow."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_context(request), "method": request.method, "address": client_address(request)}
