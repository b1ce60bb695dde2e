"""What each role's dashboard shows of accounts: the team, the partners, the region, the users.
casework.views.dashboard puts it together with what the other apps show on the same page."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from .models import Membership, Organization, Role, User


def _team(org: Organization):
    return (
        Membership.objects.filter(organization=org, is_active=True)
        .select_related("user")
        .order_by("role", "user__username")
    )


def _county_partners(org: Organization):
    """Partner agencies and centres of the same county: whom this organization works with."""
    county = org.county()
    if county is None:
        return Organization.objects.none()
    return (
        county.subtree()
        .exclude(kind__in=Organization.REGION_KINDS)
        .exclude(pk=org.pk)
        .filter(is_active=True)
        .order_by("path")
    )


def _centre_context(membership: Membership) -> dict:
    org = membership.organization
    return {"team": _team(org), "partners": _county_partners(org)}


def _partner_context(membership: Membership) -> dict:
    org = membership.organization
    return {"team": _team(org), "partners": _county_partners(org)}


def _supervisor_context(membership: Membership) -> dict:
    region = membership.organization
    below = region.subtree()
    return {
        "facilities": below.filter(kind=Organization.Kind.FACILITY).select_related("parent").order_by("path"),
        "kind_counts": [
            {"kind_label": Organization.Kind(row["kind"]).label, "n": row["n"]}
            for row in below.exclude(kind__in=Organization.REGION_KINDS)
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
        ],
    }


def _system_admin_context(membership: Membership) -> dict:
    has_role = Exists(Membership.objects.filter(user=OuterRef("pk"), is_active=True))
    return {
        "user_counts": User.objects.annotate(has_role=has_role).aggregate(
            total=Count("pk"),
            active=Count("pk", filter=Q(is_active=True)),
            without_membership=Count("pk", filter=Q(has_role=False)),
        ),
        "role_counts": [
            {"role_label": Role(row["role"]).label, "n": row["n"]}
            for row in Membership.objects.filter(is_active=True).values("role").annotate(n=Count("pk")).order_by("role")
        ],
    }


def _security_admin_context(membership: Membership) -> dict:
    return {
        "disabled_users": User.objects.filter(is_active=False).order_by("username")[:50],
        "never_signed_in": User.objects.filter(is_active=True, last_login__isnull=True).order_by("username")[:50],
    }


def _audit_admin_context(membership: Membership) -> dict:
    return {
        "recent_sign_ins": User.objects.filter(last_login__isnull=False).order_by("-last_login")[:50],
        "recent_memberships": Membership.objects.select_related("user", "organization").order_by("-updated_at")[:50],
    }


# role -> (membership -> template context)
DASHBOARD_CONTEXT = {
    Role.OFFICER: _centre_context,
    Role.CENTRE_LEADER: _centre_context,
    Role.COURT_STAFF: _partner_context,
    Role.COURT_MEDIATOR: _partner_context,
    Role.AGENCY_STAFF: _partner_context,
    Role.VOLUNTEER: _partner_context,
    Role.SUPERVISOR: _supervisor_context,
    Role.SYSTEM_ADMIN: _system_admin_context,
    Role.SECURITY_ADMIN: _security_admin_context,
    Role.AUDIT_ADMIN: _audit_admin_context,
}
