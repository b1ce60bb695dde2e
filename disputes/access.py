"""get_<thing>_for_user: 404 for what the user may not see, 403 for what they may see but not change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import current_membership, user_role
from accounts.models import CENTRE_ROLES

from .models import DisputeLead, MediationSession
from .selectors import leads_visible_to, sessions_visible_to


def get_lead_for_user(user, pk: int, *, write: bool = False) -> DisputeLead:
    try:
        lead = (
            leads_visible_to(user)
            .select_related("detention__person", "detention__facility", "assigned_officer")
            .get(pk=pk)
        )
    except DisputeLead.DoesNotExist:
        raise Http404 from None
    if write and user_role(user) not in CENTRE_ROLES:
        raise PermissionDenied
    return lead


def get_session_for_user(user, pk: int, *, write: bool = False) -> MediationSession:
    """Sessions are changed by the staff of the centre that holds them only (after a transfer, the
    receiving centre reads the earlier centre's sessions but does not change them); the court and
    invited people read them."""
    try:
        session = sessions_visible_to(user).select_related("lead", "room", "court", "person", "facility").get(pk=pk)
    except MediationSession.DoesNotExist:
        raise Http404 from None
    if write and not can_change_session(user, session):
        raise PermissionDenied
    return session


def can_change_session(user, session: MediationSession) -> bool:
    membership = current_membership(user)
    return (
        membership is not None and membership.role in CENTRE_ROLES and membership.organization_id == session.facility_id
    )
