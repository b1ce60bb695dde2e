"""The address of the client, for rate limits and lockouts (DESIGN.md §5).

Each proxy appends the address it received the request from to X-Forwarded-For, so with
TRUSTED_PROXY_COUNT = N (our own proxies in front of the web process) the client is the Nth entry from
the right: everything to its left was sent by the client and may be invented. The header is read no
further than that, and not at all when N is 0 (the web process faces clients directly, and any
X-Forwarded-For they send is theirs to forge).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address in canonical form, or "" when not even REMOTE_ADDR holds one."""
    remote = _valid_address(request.META.get("REMOTE_ADDR")) or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count == 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    # Garbage in the trusted position falls back to REMOTE_ADDR (our proxy), never to an entry further
    # left, which the client chose.
    return _valid_address(entries[-count]) or remote
