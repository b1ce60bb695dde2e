"""Sign-in, the home page that sends each role to its dashboard, and the dashboards themselves."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .access import current_membership
from .models import Membership, Organization, Role, User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request.user)
    if membership is None:
        return render(request, "accounts/no_membership.html", status=403)
    return redirect("accounts:dashboard", role=membership.role)


@login_required
def dashboard(request: HttpRequest, role: str) -> HttpResponse:
    if role not in Role.values:
        raise Http404
    membership = current_membership(request.user)
    if membership is None or membership.role != role:
        raise PermissionDenied
    builder = DASHBOARD_CONTEXT[Role(role)]
    context = {"role": Role(role), "organization": membership.organization, **builder(membership)}
    for extend in DASHBOARD_HOOKS:
        context.update(extend(request.user, Role(role)))
    return render(request, "accounts/dashboard.html", context)


@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    """The organization tree under the user's own node (supervisors and the system administrator)."""
    membership = current_membership(request.user)
    if membership is None or membership.role not in {Role.SUPERVISOR, Role.SYSTEM_ADMIN}:
        raise PermissionDenied
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


# --- what each dashboard shows ------------------------------------------------------------------


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


# Apps above accounts (DESIGN.md §3) add to the dashboards from their AppConfig.ready(): each hook is
# (user, role) -> extra template context, e.g. disputes' upcoming sessions, so accounts never imports them.
DASHBOARD_HOOKS: list[Callable[[User, Role], dict]] = []


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
