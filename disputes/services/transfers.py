"""The transfer of a detained person to another centre, with what disputes holds for them: a step that
crosses apps, so it is one service here, in the higher app, and the transfer page calls it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from detainees import services as detainee_services
from detainees.models import Detention

from ..models import DisputeLead, MediationSession
from .cancellations import _cancel_ahead


@transaction.atomic
def transfer_detention(
    detention: Detention,
    *,
    to_facility: Organization,
    moved_at: datetime,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Detention:
    """Move the person to another centre (detainees.services.transfer_detention: the same detention
    continues there), and what disputes holds for them with it: the leads go with the person to the
    receiving centre, and the sessions still booked after the move, in the old centre's rooms and of no
    use to someone moved away, are cancelled (participants told, grants taken back).

    One transaction. The detainees service checks the actor and the move and locks the detention
    first, so the lock order stays detention → lead → session (services/sessions.py)."""
    now = now or timezone.now()
    detention = detainee_services.transfer_detention(
        detention, to_facility=to_facility, moved_at=moved_at, acting_user=acting_user, note=note, now=now
    )
    DisputeLead.objects.filter(detention=detention).update(facility=to_facility)
    _cancel_ahead(
        MediationSession.objects.filter(lead__detention=detention),
        after=moved_at,
        reason=_("被拘留人已转所"),
        now=now,
        acting_user=acting_user,
    )
    return detention
