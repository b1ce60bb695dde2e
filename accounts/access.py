"""Membership look-ups: the user's active membership and centre, cached for one request. Who may do
what is decided in accounts.permissions."""

from __future__ import annotations

from .models import CENTRE_ROLES, Membership

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


def staff_facility_id(user) -> int | None:
    """The centre whose detentions `user` works on: officers and leaders of a facility, else None."""
    membership = current_membership(user)
    if membership is None or membership.role not in CENTRE_ROLES:
        return None
    return membership.organization_id
