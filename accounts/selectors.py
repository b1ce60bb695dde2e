"""Read queries of accounts that other apps' forms and pages share."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Organization, Role, User


def active_members(organization: Organization, role: Role) -> QuerySet[User]:
    """Active users with an active membership of `role` in `organization`, by name."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization=organization,
            memberships__role=role,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def centre_officers(facility: Organization) -> QuerySet[User]:
    """The users who may be a detention's responsible officer or a lead's assigned officer: the
    centre's active officers."""
    return active_members(facility, Role.OFFICER)
