"""What a transfer of the detained person to another centre does to their disputes."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from accounts.models import Organization, User
from detainees.models import Detention

from ..models import DisputeLead, MediationSession
from .cancellations import _cancel_ahead


def follow_transfer(
    detention: Detention, *, to_facility: Organization, moved_at: datetime, now: datetime, acting_user: User | None
) -> None:
    """detainees.services.TRANSFER_HOOKS: the leads go with the person to the receiving centre, and the
    old centre's rooms, of no use to someone moved away, are freed."""
    DisputeLead.objects.filter(detention=detention).update(facility=to_facility)
    _cancel_ahead(
        MediationSession.objects.filter(lead__detention=detention),
        after=moved_at,
        reason=_("被拘留人已转所"),
        now=now,
        acting_user=acting_user,
    )
