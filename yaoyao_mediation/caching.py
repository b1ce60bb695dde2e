"""Private by default: no browser or proxy keeps a copy of what this process answers (QUALITY.md R1).

Staff pages and the partner API carry case data, so every response is marked `no-store` unless it
comes from the public portal, which holds nothing private and may follow ordinary caching. Static
files never reach this middleware (whitenoise answers them first, with its own long-lived headers).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

PUBLIC_NAMESPACES = {"portal"}


class PrivateByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or not PUBLIC_NAMESPACES.intersection(match.namespaces):
            add_never_cache_headers(response)
        return response
