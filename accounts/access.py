"""Who may open which page: the role check every staff view starts with (DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import CENTRE_ROLES, Membership, Role

# Attribute under which the user's membership is cached for the length of one request.
_CACHE = "_current_membership"


def current_membership(user) -> Membership | None:
    """The user's active membership (the first, when there are several), or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, _CACHE):
        membership = (
            Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
            .select_related("organization")
            .order_by("pk")
            .first()
        )
        setattr(user, _CACHE, membership)
    return getattr(user, _CACHE)


def user_role(user) -> Role | None:
    membership = current_membership(user)
    return Role(membership.role) if membership else None


def staff_facility_id(user) -> int | None:
    """The centre whose detentions `user` works on: officers and leaders of a facility, else None."""
    membership = current_membership(user)
    if membership is None or membership.role not in CENTRE_ROLES:
        return None
    return membership.organization_id


def role_required(*roles: Role) -> Callable:
    """Anonymous users go to the login page; signed-in users without one of `roles` get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user_role(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # read by the permission-matrix test
        return wrapped

    return decorator
