"""get_<thing>_for_user: 404 for what the user may not see, 403 for what they may see but not change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.permissions import can
from detainees import selectors as detainee_selectors
from detainees.models import Detention

from .models import FollowUp, VisitEvidence
from .selectors import visible_to


def get_followup_for_user(user, pk: int, *, write: bool = False) -> FollowUp:
    try:
        followup = (
            visible_to(user)
            .select_related("detention__person", "detention__responsible_officer", "facility", "closed_by")
            .get(pk=pk)
        )
    except FollowUp.DoesNotExist:
        raise Http404 from None
    if write and not can(user, "record_followup", followup.facility_id):
        raise PermissionDenied
    return followup


def get_evidence_for_user(user, followup_pk: int, pk: int) -> VisitEvidence:
    """An evidence file of a visit of a follow-up the user sees (404 otherwise)."""
    followup = get_followup_for_user(user, followup_pk)
    try:
        return VisitEvidence.objects.select_related("visit").get(pk=pk, visit__followup=followup)
    except VisitEvidence.DoesNotExist:
        raise Http404 from None


def get_release_for_user(user, detention_pk: int, *, write: bool = False) -> Detention:
    """A detention of the user's centre, for its re-offence (recorded against the releasing centre,
    which a released person no longer leaves)."""
    try:
        detention = detainee_selectors.visible_to(user).select_related("person").get(pk=detention_pk)
    except Detention.DoesNotExist:
        raise Http404 from None
    if write and not can(user, "record_followup", detention.facility_id):
        raise PermissionDenied
    return detention
