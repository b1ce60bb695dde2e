"""The mediation agreement (调解协议书) of a resolved lead, its numbering, and the judicial confirmation
(司法确认) asked of a court, along JudicialConfirmation.TRANSITIONS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Role, User
from accounts.permissions import can, require
from notifications.services import Message, notify
from yaoyao_mediation.states import require_transition

from ..models import Agreement, DisputeLead, JudicialConfirmation, Signatory
from ..tasks import render_agreement_pdf
from .courts import COURT_KINDS, _in_county
from .leads import _check_amounts


@dataclass
class SignatoryInput:
    role: str
    name: str


@transaction.atomic
def save_agreement(
    lead: DisputeLead,
    *,
    facts: str,
    terms: str,
    signed_on: date,
    signatories: Sequence[SignatoryInput],
    agreed_amount: Decimal | None = None,
    paid_amount: Decimal | None = None,
    acting_user: User,
) -> Agreement:
    """Write the agreement of a resolved or partly resolved lead. Every change bumps `revision`, so
    the cached PDF of the previous revision is no longer served; a worker renders the new one."""
    lead = DisputeLead.objects.select_for_update(of=("self",)).select_related("detention__facility").get(pk=lead.pk)
    require(acting_user, "change_lead", lead.detention.facility_id)
    if lead.status not in {DisputeLead.Status.RESOLVED, DisputeLead.Status.PARTLY_RESOLVED}:
        raise ValidationError(_("只有已化解或部分化解的线索可以制作调解协议书"), code="not_resolved")
    errors = _check_amounts(agreed_amount, paid_amount)
    if not facts.strip():
        errors["facts"] = _("请填写纠纷事实")
    if not terms.strip():
        errors["terms"] = _("请填写协议条款")
    people = [s for s in signatories if s.name.strip()]
    if len(people) < 2:
        errors["signatories"] = _("协议至少需要两方签字人")
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("签订日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.select_for_update().filter(lead=lead).first()
    if agreement is not None and agreement.is_frozen:
        raise ValidationError(
            _("协议书已申请司法确认（%(status)s），不能再修改")
            % {"status": agreement.active_confirmation.get_status_display()},
            code="frozen",
        )
    if agreement is None:
        agreement = Agreement(lead=lead, number=_next_agreement_number(lead.detention.facility, signed_on), revision=1)
    else:
        agreement.revision += 1
    agreement.facts, agreement.terms = facts.strip(), terms.strip()
    agreement.agreed_amount, agreement.paid_amount, agreement.signed_on = agreed_amount, paid_amount, signed_on
    agreement.save()
    agreement.signatories.all().delete()
    Signatory.objects.bulk_create(
        [Signatory(agreement=agreement, role=s.role.strip(), name=s.name.strip()) for s in people]
    )
    agreement_id = agreement.pk
    # robust: a broker outage must not turn a saved agreement into an error page; the PDF page queues
    # the render again when it is opened.
    transaction.on_commit(lambda: render_agreement_pdf.delay(agreement_id), robust=True)
    return agreement


def _next_agreement_number(facility: Organization, signed_on: date) -> str:
    """余姚市拘留所 2026 年第 7 份 → "330281-JLS调〔2026〕7号". One statement takes the next number of the
    centre's sequence for the year (creating it at 1), so two agreements saved at once never share a
    number, and a number once given is never given again."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO disputes_agreementsequence AS seq (facility_id, year, last_number)
            VALUES (%s, %s, 1)
            ON CONFLICT (facility_id, year) DO UPDATE SET last_number = seq.last_number + 1
            RETURNING last_number
            """,
            [facility.pk, signed_on.year],
        )
        (number,) = cursor.fetchone()
    return f"{facility.code}调〔{signed_on.year}〕{number}号"


@transaction.atomic
def request_judicial_confirmation(
    agreement: Agreement, *, court: Organization, acting_user: User, now: datetime | None = None
) -> JudicialConfirmation:
    """Ask a court of the centre's county to confirm the agreement. After a refusal the centre may ask
    again; the refusal stays on record. Requests for one agreement are taken one at a time (the
    agreement row is locked), and the partial unique constraint backs that up."""
    now = now or timezone.now()
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("lead__detention__facility")
        .get(pk=agreement.pk)
    )
    detention = agreement.lead.detention
    require(acting_user, "request_confirmation", detention.facility_id)
    if court.kind not in COURT_KINDS or not _in_county(court, detention.facility):
        raise ValidationError({"court": _("请选择本县（市、区）受理司法确认的法院")})
    if agreement.is_frozen:
        raise ValidationError(
            _("已申请司法确认（%(status)s）") % {"status": agreement.active_confirmation.get_status_display()}
        )
    try:
        with transaction.atomic():
            confirmation = JudicialConfirmation.objects.create(
                agreement=agreement,
                agreement_revision=agreement.revision,
                court=court,
                requested_by=acting_user,
                requested_at=now,
            )
    except IntegrityError as exc:
        raise ValidationError(_("已申请司法确认"), code="duplicate") from exc
    staff = User.objects.filter(
        memberships__organization=court, memberships__role=Role.COURT_STAFF, memberships__is_active=True
    )
    notify(
        "judicial_confirmation_requested",
        recipients=staff,
        build_message=lambda _user: Message(
            subject=_("司法确认申请：%(number)s") % {"number": agreement.number},
            link=reverse("disputes:confirmation_detail", kwargs={"pk": confirmation.pk}),
        ),
    )
    return confirmation


@transaction.atomic
def decide_judicial_confirmation(
    confirmation: JudicialConfirmation, *, confirm: bool, note: str = "", acting_user: User, now: datetime | None = None
) -> JudicialConfirmation:
    """The court's answer; a refusal needs its reasons."""
    now = now or timezone.now()
    confirmation = JudicialConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    if not can(acting_user, "decide_confirmation", confirmation.court_id):
        raise PermissionDenied(_("只有受理法院的工作人员可以答复"))
    status = JudicialConfirmation.Status.CONFIRMED if confirm else JudicialConfirmation.Status.REFUSED
    require_transition(
        confirmation, status, message=_("该申请已处理（%(status)s）") % {"status": confirmation.get_status_display()}
    )
    if not confirm and not note.strip():
        raise ValidationError({"note": _("不予确认时请写明理由")})
    confirmation.status = status
    confirmation.decided_by, confirmation.decided_at, confirmation.court_note = acting_user, now, note.strip()
    confirmation.save(update_fields=["status", "decided_by", "decided_at", "court_note", "updated_at"])
    return confirmation
