"""get_<thing>_for_user: 404 for what the user may not see, 403 for what they may see but not change.

What is seen comes from disputes.selectors (scoped in SQL); what may be changed from the named
permissions of accounts.permissions, asked for the centre (or court) the thing belongs to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404

from accounts.access import current_membership
from accounts.permissions import can
from yaoyao_mediation.disclosure import Audience, audience_of

from .models import Agreement, DisputeLead, JudicialConfirmation, LeadParty, MediationSession, Room, VolunteerProfile
from .selectors import confirmations_visible_to, leads_visible_to, sessions_visible_to


def get_lead_for_user(user, pk: int, *, write: bool = False) -> DisputeLead:
    try:
        lead = (
            leads_visible_to(user)
            # plan: the lead's status word (DisputeLead.status_word) on every lead page.
            .select_related("detention__person", "detention__facility", "assigned_officer", "plan")
            .get(pk=pk)
        )
    except DisputeLead.DoesNotExist:
        raise Http404 from None
    if write and not can(user, "change_lead", lead.facility_id):
        raise PermissionDenied
    return lead


def get_party_for_user(user, lead_pk: int, pk: int, *, write: bool = False) -> LeadParty:
    """A party of a lead the user sees (404 otherwise, or when it is another lead's)."""
    lead = get_lead_for_user(user, lead_pk, write=write)
    try:
        return lead.parties.select_related("lead").get(pk=pk)
    except LeadParty.DoesNotExist:
        raise Http404 from None


def get_session_for_user(user, pk: int, *, write: bool = False) -> MediationSession:
    """Sessions are changed by the staff of the centre that holds them only (after a transfer, the
    receiving centre reads the earlier centre's sessions but does not change them); the court and
    invited people read them."""
    try:
        session = (
            sessions_visible_to(user)
            .select_related("lead__detention", "room", "court", "person", "facility")
            .get(pk=pk)
        )
    except MediationSession.DoesNotExist:
        raise Http404 from None
    if write and not can_change_session(user, session):
        raise PermissionDenied
    return session


def can_change_session(user, session: MediationSession) -> bool:
    return can(user, "book_session", session.facility_id)


def get_room_for_user(user, pk: int, *, write: bool = False) -> Room:
    """A room of the user's own centre (404 for another centre's); changing it is for its leaders."""
    membership = current_membership(user)
    room = Room.objects.filter(pk=pk, facility_id=membership.organization_id if membership else None).first()
    if room is None:
        raise Http404
    if write and not can(user, "manage_rooms", room.facility_id):
        raise PermissionDenied
    return room


def get_volunteer_profile_for_user(user, pk: int, *, write: bool = False) -> VolunteerProfile:
    """An entry of the user's own centre's roster (404 for another centre's); changing it is for its leaders."""
    membership = current_membership(user)
    profile = (
        VolunteerProfile.objects.filter(pk=pk, facility_id=membership.organization_id if membership else None)
        .select_related("user")
        .first()
    )
    if profile is None:
        raise Http404
    if write and not can(user, "manage_rooms", profile.facility_id):
        raise PermissionDenied
    return profile


def get_agreement_for_user(user, lead_pk: int) -> Agreement:
    """The agreement of lead `lead_pk` for someone who may read it: staff of the lead's centre, or court
    staff of a court asked to confirm it, and then only the revision the court was sent (a court that
    refused does not read a later text). Anything else, or no agreement yet, is 404."""
    agreements = Agreement.objects.select_related("lead__detention__facility")
    audience = audience_of(user)
    if audience == Audience.CENTRE:
        agreement = agreements.filter(lead=get_lead_for_user(user, lead_pk)).first()
    elif audience == Audience.COURT:
        agreement = agreements.filter(
            lead_id=lead_pk,
            judicial_confirmations__court_id=current_membership(user).organization_id,
            judicial_confirmations__agreement_revision=F("revision"),
        ).first()
    else:
        agreement = None
    if agreement is None:
        raise Http404
    return agreement


def get_confirmation_for_user(user, pk: int, *, write: bool = False) -> JudicialConfirmation:
    """404 for a request of another court or centre; 403 for those who see it but may not decide it
    (the centre's staff)."""
    try:
        confirmation = confirmations_visible_to(user).select_related("decided_by").get(pk=pk)
    except JudicialConfirmation.DoesNotExist:
        raise Http404 from None
    if write and not can(user, "decide_confirmation", confirmation.court_id):
        raise PermissionDenied
    return confirmation
