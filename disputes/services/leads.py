"""Dispute leads: opening one, editing it and its parties, moving it along DisputeLead.TRANSITIONS, and
closing it with its outcome."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from detainees.models import Detention
from notifications.services import mark_done
from security.normalizers import validate_phone
from yaoyao_mediation.states import require_transition

from ..models import DisputeLead, LeadOutcome, LeadParty, LeadTransition, MediationSession, ResolutionPlan
from ..selectors import sessions_ahead
from .cancellations import _cancel_ahead
from .guards import _require_open

Status = DisputeLead.Status


@dataclass
class PartyInput:
    side: str
    name: str
    relation: str = ""
    phone: str = ""
    address: str = ""


def party_phone(party: PartyInput) -> str:
    """The party's number as stored: normalised and checked like every phone input (the forms and the
    API check it first; this keeps any other caller to the same rule)."""
    try:
        return validate_phone(party.phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


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
    require(acting_user, "change_lead", detention.facility_id)
    if amount_at_stake is not None and amount_at_stake < 0:
        raise ValidationError({"amount_at_stake": _("涉及金额不能小于零")})
    lead = DisputeLead(
        detention=detention,
        facility_id=detention.facility_id,
        category=category,
        summary=summary.strip(),
        amount_at_stake=amount_at_stake,
        court_case_number=court_case_number.strip(),
        source=source,
        risk_level=risk_level,
        assigned_officer=assigned_officer or detention.responsible_officer,
    )
    lead.full_clean(exclude=["detention", "assigned_officer"])
    phones = [party_phone(party) for party in parties]
    lead.save()
    for party, phone in zip(parties, phones, strict=True):
        if not party.name.strip():
            raise ValidationError(_("当事人姓名不能为空"))
        if party.side not in LeadParty.Side.values:
            raise ValidationError(_("请选择当事人身份"))
        LeadParty.objects.create(
            lead=lead,
            side=party.side,
            name=party.name.strip(),
            relation=party.relation.strip(),
            phone=phone,
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
    require_transition(
        lead,
        to_status,
        message=_("线索不能从“%(from)s”转为“%(to)s”")
        % {"from": Status(lead.status).label, "to": Status(to_status).label},
    )
    from_status, lead.status = lead.status, to_status
    fields = ["status", "updated_at"]
    if to_status in DisputeLead.CLOSED:
        lead.closed_at = now
        fields.append("closed_at")
    lead.save(update_fields=fields)
    if to_status in DisputeLead.CLOSED:
        # A closed lead holds no room, person or staff any longer: its sessions still ahead go.
        its_sessions = MediationSession.objects.filter(lead=lead)
        _cancel_ahead(its_sessions, after=now, reason=_("线索已结案"), now=now, acting_user=acting_user)
        # A closed lead's plan is no longer reviewed: the leaders are no longer asked to.
        mark_done(ResolutionPlan.review_request(lead.pk), now=now)
    LeadTransition.objects.create(
        lead=lead, from_status=from_status, to_status=to_status, at=now, acting_user=acting_user, note=note.strip()
    )
    return lead


@transaction.atomic
def update_lead(
    lead: DisputeLead,
    *,
    category: str,
    summary: str,
    amount_at_stake: Decimal | None,
    court_case_number: str,
    source: str,
    risk_level: str,
    assigned_officer: User | None,
    acting_user: User,
) -> DisputeLead:
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    _require_open(lead)
    require(acting_user, "change_lead", lead.detention.facility_id)
    if amount_at_stake is not None and amount_at_stake < 0:
        raise ValidationError({"amount_at_stake": _("涉及金额不能小于零")})
    lead.category, lead.summary, lead.amount_at_stake = category, summary.strip(), amount_at_stake
    lead.court_case_number, lead.source, lead.risk_level = court_case_number.strip(), source, risk_level
    lead.assigned_officer = assigned_officer
    lead.full_clean(exclude=["detention", "assigned_officer"])
    lead.save()
    return lead


@transaction.atomic
def add_party(lead: DisputeLead, party: PartyInput, *, acting_user: User) -> LeadParty:
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    _require_open(lead)
    require(acting_user, "change_lead", lead.detention.facility_id)
    if not party.name.strip():
        raise ValidationError({"name": _("当事人姓名不能为空")})
    row = LeadParty(
        lead=lead,
        side=party.side,
        name=party.name.strip(),
        relation=party.relation.strip(),
        phone=party_phone(party),
        address=party.address.strip(),
    )
    row.full_clean(exclude=["lead", "phone_hash"])
    row.save()
    return row


@transaction.atomic
def remove_party(party: LeadParty, *, acting_user: User) -> None:
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=party.lead_id)
    _require_open(lead)
    require(acting_user, "change_lead", lead.detention.facility_id)
    party.delete()


# --- the outcome ----------------------------------------------------------------------------------------


@dataclass
class OutcomeInput:
    summary: str
    enforcement_settled: bool = False
    agreed_amount: Decimal | None = None
    paid_amount: Decimal | None = None
    court_case_number: str = ""
    petition_withdrawn: bool = False
    family_reconciled: bool = False
    crisis_averted: bool = False


def _check_amounts(agreed: Decimal | None, paid: Decimal | None) -> dict[str, str]:
    """The amounts of an outcome and of an agreement follow the same rules."""
    errors = {}
    if agreed is not None and agreed < 0:
        errors["agreed_amount"] = _("约定金额不能小于零")
    if paid is not None and paid < 0:
        errors["paid_amount"] = _("已履行金额不能小于零")
    if not errors and agreed is not None and paid is not None and paid > agreed:
        errors["paid_amount"] = _("已履行金额不能大于约定金额")
    return errors


@transaction.atomic
def record_outcome(
    lead: DisputeLead,
    *,
    status: str,
    outcome: OutcomeInput,
    cancel_sessions: Collection[int] = (),
    acting_user: User,
    now: datetime | None = None,
) -> LeadOutcome:
    """Close the lead as resolved, partly resolved, unresolved or withdrawn, with its effects.

    Closing cancels the lead's sessions still to come (selectors.sessions_ahead), so each of them must
    be named in `cancel_sessions` (ids the user confirmed): a session booked for later that day is
    never cancelled unasked, nor one booked after the form was shown. Otherwise nothing is saved and the
    refusal (code "sessions_ahead", on field "cancel_sessions") names them."""
    now = now or timezone.now()
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention").get(pk=lead.pk)
    require(acting_user, "change_lead", lead.detention.facility_id)
    if status not in DisputeLead.CLOSED:
        raise ValidationError({"status": _("结果只能是已化解、部分化解、未化解或已撤回")}, code="not_closed")
    if lead.is_closed:
        raise ValidationError(_("该线索已结案（%(status)s）") % {"status": lead.get_status_display()}, code="closed")
    errors = _check_amounts(outcome.agreed_amount, outcome.paid_amount)
    unconfirmed = [s for s in sessions_ahead(lead, now=now) if s.pk not in set(cancel_sessions)]
    if unconfirmed:
        errors["cancel_sessions"] = ValidationError(
            _("结案将取消尚未举行的调解：%(sessions)s。请确认取消后再结案")
            % {"sessions": "；".join(s.when_and_where for s in unconfirmed)},
            code="sessions_ahead",
        )
    if not outcome.summary.strip():
        errors["summary"] = _("请填写化解情况")
    settled = status in {Status.RESOLVED, Status.PARTLY_RESOLVED}
    effects = (
        outcome.enforcement_settled or outcome.petition_withdrawn or outcome.family_reconciled or outcome.crisis_averted
    )
    if effects and not settled:
        errors["status"] = _("只有已化解或部分化解的线索可以记录化解成效")
    if outcome.enforcement_settled and outcome.agreed_amount is None:
        errors["agreed_amount"] = _("执行和解请填写约定金额")
    if errors:
        raise ValidationError(errors)
    lead = move_lead(lead, status, acting_user=acting_user, note=outcome.summary, now=now)
    return LeadOutcome.objects.create(
        lead=lead,
        summary=outcome.summary.strip(),
        enforcement_settled=outcome.enforcement_settled,
        agreed_amount=outcome.agreed_amount,
        paid_amount=outcome.paid_amount,
        court_case_number=(outcome.court_case_number or lead.court_case_number).strip(),
        petition_withdrawn=outcome.petition_withdrawn,
        family_reconciled=outcome.family_reconciled,
        crisis_averted=outcome.crisis_averted,
        recorded_by=acting_user,
    )
