"""Accounts' own pages: the organization tree and the lockout answer of sign-in. The home page and
the dashboards, which show several apps, are casework's."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .access import current_membership
from .permissions import requires


@requires("view_organizations")
def organizations(request: HttpRequest) -> HttpResponse:
    """The organization tree under the user's own node (supervisors and the system administrator)."""
    membership = current_membership(request.user)
    tree = (
        membership.organization.subtree()
        .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("path")
    )
    return render(request, "accounts/organizations.html", {"tree": tree, "root": membership.organization})


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials=None) -> HttpResponse:
    """django-axes' answer to a sign-in of a locked username+address (AXES_LOCKOUT_CALLABLE).

    The same page whether the username exists or not, and whether the password was right or wrong.
    """
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": minutes}
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
