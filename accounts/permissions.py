"""Who may do what: named permissions, asked through one function (DESIGN.md §5).

Every view, service and API endpoint asks `can(user, "<permission>", organization)` (or `require`,
which raises PermissionDenied) instead of comparing roles itself, in the spirit of pretix's named event
permissions. A permission names the roles that hold it; the organization, when given, is the one the
thing belongs to (a detention's centre, the court a confirmation is asked of), and the user's own
membership must be that organization, or, for a supervisor, a region above it.

Which objects a user sees at all is the business of each app's `selectors.visible_to`-style querysets
and `access.get_<thing>_for_user` (404 for what is unseen); these permissions decide what may be done
with what is seen (403).

Views declare their rule with `@requires("<permission>")`, `@signed_in` or `@public`; the rule is kept
on the view as `access_rule`, which tests/test_access_matrix.py reads for every URL of the project, so
a view without a declared rule cannot ship.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated

from .access import current_membership
from .models import CENTRE_ROLES, Organization, Role

EVERY_ROLE = frozenset(Role)
CENTRE = frozenset(CENTRE_ROLES)
LEADER = frozenset({Role.CENTRE_LEADER})
COURT = frozenset({Role.COURT_STAFF})
# Roles who take part in sessions they are invited to and see only their logistics (DESIGN.md §5).
INVITED = frozenset({Role.COURT_MEDIATOR, Role.VOLUNTEER, Role.AGENCY_STAFF})
# Staff of the organizations work orders are addressed to: courts and their enforcement bureaus (court
# staff), the justice bureau, law firms, counsellors, police stations, townships (agency staff).
PARTNERS = frozenset({Role.COURT_STAFF, Role.AGENCY_STAFF})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # --- detainees: the centre's own records -------------------------------------------------------
    "view_detentions": CENTRE,  # worklist, a detention, its documents, health checks, full numbers
    "record_intake": CENTRE,
    "change_detention": CENTRE,  # edit, release, transfer, assessment, documents, health checks
    "import_records": CENTRE,  # imports from the custody and health platforms
    # --- disputes ---------------------------------------------------------------------------------
    "view_leads": CENTRE,
    "change_lead": CENTRE,  # leads, parties, plans (drafting), outcomes, agreements
    "approve_plan": LEADER,
    "view_sessions": CENTRE | COURT | INVITED,
    "book_session": CENTRE,  # book, cancel, add participants, record the result
    "override_booking": LEADER,  # a session after the release or against the health check
    "view_rooms": CENTRE,  # rooms, the calendar, the volunteer roster
    "manage_rooms": LEADER,  # rooms and the volunteer roster
    "read_agreements": CENTRE | COURT,
    "request_confirmation": CENTRE,
    "decide_confirmation": COURT,
    # --- deadlines (sweeps; the board is casework's) ---------------------------------------------------
    # The deadline board: an officer their people, a leader the centre, a supervisor counts per centre.
    "view_deadlines": CENTRE | frozenset({Role.SUPERVISOR}),
    "view_centre_deadlines": LEADER,  # the whole centre's deadlines, not only one's own people
    "view_region": frozenset({Role.SUPERVISOR}),  # counts per centre of a region, small ones suppressed
    # --- followups: the centre that released the person ------------------------------------------
    "view_followups": CENTRE,  # follow-ups, their visits and evaluation, re-offences
    "record_followup": CENTRE,  # evaluations, visits, closing, re-offences by hand
    # --- referrals: work orders (which ones a partner sees: referrals.selectors.visible_to) -------------
    "view_work_orders": CENTRE | PARTNERS,
    "send_work_order": CENTRE,  # refer, send, cancel, accept, ask for more, invite, a hand-over
    "handle_work_order": PARTNERS,  # receive, start, feed back, return the work orders addressed to them
    "discuss_work_order": CENTRE | PARTNERS,  # the consultation thread, both sides
    "edit_calendar": frozenset({Role.SYSTEM_ADMIN}),  # the working-day calendar
    # --- accounts, notifications, audit -----------------------------------------------------------
    "view_dashboard": EVERY_ROLE,
    "view_organizations": frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMIN}),
    "read_inbox": EVERY_ROLE,
    "retry_deliveries": frozenset({Role.SYSTEM_ADMIN}),
    "read_audit_trail": frozenset({Role.AUDIT_ADMIN}),
}

# Rules a view may declare instead of a permission.
PUBLIC = "public"  # anyone, signed in or not (sign-in page, the public pages, /healthz)
SIGNED_IN = "signed_in"  # any signed-in user; the view decides the rest (the home page's redirect)


def _organization_id(organization: Organization | int | None) -> int | None:
    return organization if isinstance(organization, int) or organization is None else organization.pk


def can(user, permission: str, organization: Organization | int | None = None) -> bool:
    """True when the user's role holds `permission` and, if an organization is given, the user works
    there (a supervisor: anywhere below their region)."""
    roles = PERMISSIONS[permission]  # a KeyError for a misspelt name, on purpose
    membership = current_membership(user) if user is not None else None
    if membership is None or Role(membership.role) not in roles:
        return False
    organization_id = _organization_id(organization)
    if organization_id is None or membership.organization_id == organization_id:
        return True
    if membership.role == Role.SUPERVISOR:
        return membership.organization.subtree().filter(pk=organization_id).exists()
    return False


DENIED_MESSAGES = {
    "approve_plan": _("只有本所所领导可以办理"),
    "override_booking": _("只有本所所领导可以办理"),
    "manage_rooms": _("只有本所所领导可以办理"),
}


def require(acting_user, permission: str, organization: Organization | int | None = None) -> None:
    """For services: PermissionDenied unless `can(...)`. Views check first; services check again, so
    an API call, a task or a future caller cannot act on a centre's case as someone from elsewhere.
    `acting_user=None` is the system itself (a management command, a beat task), which acts with the
    authority of whoever runs it on the server and passes."""
    if acting_user is None:
        return
    if not can(acting_user, permission, organization):
        raise PermissionDenied(DENIED_MESSAGES.get(permission, _("只有本所民警可以办理")))


def _declare(view: Callable, rule: str) -> Callable:
    view.access_rule = rule
    return view


def requires(permission: str, *, change: str | None = None) -> Callable:
    """View decorator: anonymous users go to the sign-in page; a user whose role lacks the permission
    gets 403. Object-level checks (which centre) follow in the view's get_<thing>_for_user.

    `change` names the permission the view's object needs to be changed, where a role may reach the
    page (and see the object) without it: a leader's decision on a plan an officer can read. The view
    asks it after finding the object, so what is unseen stays 404 and what is seen but not theirs to
    change is 403; it is recorded here so that the access test expects exactly that."""
    PERMISSIONS[permission]  # fail at import time for a misspelt name
    if change is not None:
        PERMISSIONS[change]

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.change_rule = change
        return _declare(wrapped, permission)

    return decorator


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _declare(wrapped, SIGNED_IN)


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return _declare(view, PUBLIC)


def api_permission(permission: str, *, message: str | None = None) -> type[BasePermission]:
    """The DRF permission class of a named permission: `permission_classes = [api_permission("...")]`;
    `message` is the 403 answer's detail."""
    PERMISSIONS[permission]

    class HasPermission(BasePermission):
        access_rule = permission

        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated and can(request.user, permission))

    if message is not None:
        HasPermission.message = message
    HasPermission.__name__ = f"Can_{permission}"
    return HasPermission


class ApiSignedIn(IsAuthenticated):
    """The DRF form of @signed_in: any signed-in user (or valid token); the view decides the rest."""

    access_rule = SIGNED_IN


class ApiPublic(AllowAny):
    """The DRF form of @public: the token sign-in."""

    access_rule = PUBLIC
