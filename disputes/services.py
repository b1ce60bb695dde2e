"""Every write to disputes. Each service is one transaction and checks DisputeLead.TRANSITIONS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from detainees.models import Detention

from .models import DisputeLead, LeadParty, LeadTransition

Status = DisputeLead.Status


@dataclass
class PartyInput:
    side: str
    name: str
    relation: str = ""
    phone: str = ""
    address: str = ""


@transaction.atomic
def open_lead(
    detention: Detention,
    *,
    category: str,
    summary: str,
    parties: Sequence[PartyInput] = (),
    amount_at_stake: Decimal | None = None,
    court_case_number: str = "",
    source: str = DisputeLead.Source.INTAKE_SCREENING,
    risk_level: str = DisputeLead.RiskLevel.LOW,
    assigned_officer: User | None = None,
    acting_user: User | None,
    now: datetime | None = None,
) -> DisputeLead:
    now = now or timezone.now()
    if amount_at_stake is not None and amount_at_stake < 0:
        raise ValidationError({"amount_at_stake": _("涉及金额不能小于零")})
    lead = DisputeLead(
        detention=detention,
        category=category,
        summary=summary.strip(),
        amount_at_stake=amount_at_stake,
        court_case_number=court_case_number.strip(),
        source=source,
        risk_level=risk_level,
        assigned_officer=assigned_officer or detention.responsible_officer,
    )
    lead.full_clean(exclude=["detention", "assigned_officer"])
    lead.save()
    for party in parties:
        if not party.name.strip():
            raise ValidationError(_("当事人姓名不能为空"))
        LeadParty.objects.create(
            lead=lead,
            side=party.side,
            name=party.name.strip(),
            relation=party.relation.strip(),
            phone=party.phone.strip(),
            address=party.address.strip(),
        )
    LeadTransition.objects.create(lead=lead, from_status="", to_status=Status.OPEN, at=now, acting_user=acting_user)
    return lead


@transaction.atomic
def move_lead(
    lead: DisputeLead, to_status: str, *, acting_user: User | None, note: str = "", now: datetime | None = None
) -> DisputeLead:
    """Move a lead along TRANSITIONS; a refused move changes nothing. Moving to the state it is
    already in is a no-op (a double click, a retried request)."""
    now = now or timezone.now()
    lead = DisputeLead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == to_status:
        return lead
    if not lead.can_move_to(to_status):
        raise ValidationError(
            _("线索不能从“%(from)s”转为“%(to)s”") % {"from": Status(lead.status).label, "to": Status(to_status).label},
            code="transition",
        )
    from_status, lead.status = lead.status, to_status
    fields = ["status", "updated_at"]
    if to_status in DisputeLead.CLOSED:
        lead.closed_at = now
        fields.append("closed_at")
    lead.save(update_fields=fields)
    LeadTransition.objects.create(
        lead=lead, from_status=from_status, to_status=to_status, at=now, acting_user=acting_user, note=note.strip()
    )
    return lead
