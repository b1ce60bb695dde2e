"""Every write to followups, and the steps that cross apps around them: the release (detainees) that
opens the follow-ups, and a lead's outcome (disputes) recorded after the release, which opens its own.

Lock order, as in disputes (architecture.md): detention → lead → follow-up. Each service is one
transaction; a refusal raises ValidationError with a Chinese message and saves nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import can, require
from detainees import services as detainee_services
from detainees.models import Detention
from disputes import services as dispute_services
from disputes.models import DisputeLead, LeadOutcome
from disputes.services import OutcomeInput
from referrals import services as referral_services
from yaoyao_mediation.states import require_transition

from .deadlines import evaluation_due_at, visit_due_at
from .models import Evaluation, FollowUp, FollowUpLead, Reoffence, ScheduledVisit, Visit, VisitEvidence

# The leads whose effect is followed after the release (DESIGN.md §3).
FOLLOWED_STATUSES = frozenset({DisputeLead.Status.RESOLVED, DisputeLead.Status.PARTLY_RESOLVED})

SATISFACTION_MESSAGE = gettext_lazy("满意度应为 1 至 5 分")


# --- opening: the release, and an outcome recorded after it ----------------------------------------------


@transaction.atomic
def release_detention(
    detention: Detention, *, released_at: datetime, acting_user: User | None, now: datetime | None = None
) -> Detention:
    """Release the person (detainees.services.release_detention checks the actor and the time, and
    locks the detention), open the follow-up of their resolved and partly resolved leads, and propose
    the hand-over to the local police station or township when they leave with an open lead or a high
    escalation risk (referrals), in one transaction. Sent twice, it releases once and opens and
    proposes nothing more (the leads are followed already, the hand-over proposed)."""
    now = now or timezone.now()
    detention = detainee_services.release_detention(
        detention, released_at=released_at, acting_user=acting_user, now=now
    )
    open_followup(detention, _unfollowed_resolved_leads(detention), now=now)
    referral_services.propose_handover(detention, acting_user=acting_user, now=now)
    return detention


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
    """disputes.services.record_outcome, and for a person already released whose lead is resolved or
    partly resolved now, the follow-up of that lead (due 7 days after the resolution day)."""
    now = now or timezone.now()
    # The detention first, as the release locks it: a release and an outcome at the same moment open
    # the lead's follow-up once, in whichever comes second.
    detention = Detention.objects.select_for_update().get(pk=lead.detention_id)
    result = dispute_services.record_outcome(
        lead, status=status, outcome=outcome, cancel_sessions=cancel_sessions, acting_user=acting_user, now=now
    )
    if detention.status == Detention.Status.RELEASED:
        open_followup(detention, _unfollowed_resolved_leads(detention), now=now)
    return result


@transaction.atomic
def open_missed_followup(detention_id: int, *, now: datetime) -> FollowUp | None:
    """The follow-up of a released person's resolved leads that no release or outcome opened: the
    custody-platform import releases through detainees.services.release_detention, which cannot call up
    into followups (followups.deadlines.open_followups finds these). The detention is locked first, as
    the release and the outcome lock it, so whichever of them comes second finds the leads followed."""
    detention = Detention.objects.select_for_update().get(pk=detention_id)
    if detention.status != Detention.Status.RELEASED:
        return None
    return open_followup(detention, _unfollowed_resolved_leads(detention), now=now)


def _unfollowed_resolved_leads(detention: Detention) -> list[DisputeLead]:
    return list(
        DisputeLead.objects.filter(detention=detention, status__in=FOLLOWED_STATUSES, followup_link__isnull=True)
        .select_for_update(of=("self",))
        .order_by("pk")
    )


def open_followup(detention: Detention, leads: Sequence[DisputeLead], *, now: datetime) -> FollowUp | None:
    """One follow-up of a released detention for `leads` (resolved, not followed yet), with its
    evaluation due time and the further visits of settings.FOLLOWUP_VISIT_DAYS, counted from the release
    and the resolutions (never from `now`, which is only when it opened). Called inside the release's,
    the outcome's or open_missed_followup's transaction, the detention locked."""
    if not leads:
        return None
    released_at = detention.released_at
    resolved_at = max(lead.closed_at or now for lead in leads)
    followup = FollowUp.objects.create(
        detention=detention,
        facility_id=detention.facility_id,
        opened_at=now,
        resolved_at=resolved_at,
        evaluation_due_at=evaluation_due_at(released_at=released_at, resolved_at=resolved_at),
    )
    # FollowUpLead.lead is unique: a lead is never followed twice, whatever the path.
    FollowUpLead.objects.bulk_create([FollowUpLead(followup=followup, lead=lead) for lead in leads])
    ScheduledVisit.objects.bulk_create(
        [
            ScheduledVisit(
                followup=followup,
                days=days,
                due_at=visit_due_at(released_at=released_at, resolved_at=resolved_at, days=days),
            )
            for days in settings.FOLLOWUP_VISIT_DAYS
        ]
    )
    apply_next_due(followup)
    followup.save(update_fields=["next_due_at", "updated_at"])
    return followup


def apply_next_due(followup: FollowUp) -> None:
    """The one place that sets next_due_at: the evaluation while it is open, else the next pending visit."""
    if followup.status == FollowUp.Status.CLOSED:
        followup.next_due_at = None
        return
    pending = followup.scheduled_visits.filter(status=ScheduledVisit.Status.PENDING).order_by("due_at")
    next_visit = pending.values_list("due_at", flat=True).first()
    candidates = [next_visit] if next_visit else []
    if followup.status == FollowUp.Status.OPEN:
        candidates.append(followup.evaluation_due_at)
    followup.next_due_at = min(candidates) if candidates else None


def _locked(followup: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update(of=("self",)).select_related("detention").get(pk=followup.pk)


# --- the evaluation ---------------------------------------------------------------------------------------


@transaction.atomic
def record_evaluation(
    followup: FollowUp,
    *,
    stability: str,
    satisfaction: int | None,
    notes: str = "",
    evaluated_at: datetime | None = None,
    acting_user: User,
    now: datetime | None = None,
) -> Evaluation:
    """The effectiveness evaluation: once per follow-up. `evaluated_at` (when it was done, default now)
    lies between the release and now; the time it was recorded is in the audit trail."""
    now = now or timezone.now()
    evaluated_at = evaluated_at or now
    followup = _locked(followup)
    require(acting_user, "record_followup", followup.facility_id)
    released_at = followup.detention.released_at
    if released_at is None:
        raise ValidationError(_("此人尚未出所，不能进行成效评估"), code="not_released")
    if followup.status != FollowUp.Status.OPEN:
        # A second submit of the same form finds the first stored: nothing changes.
        raise ValidationError(_("该跟踪回访已完成成效评估，不能重复记录"), code="already_evaluated")
    errors = {}
    if stability not in Evaluation.Stability.values:
        errors["stability"] = _("请选择稳定情况")
    if satisfaction is None or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = SATISFACTION_MESSAGE
    if evaluated_at < released_at:
        errors["evaluated_at"] = _("评估时间不能早于出所时间")
    elif evaluated_at > now:
        errors["evaluated_at"] = _("评估时间不能晚于当前时间")
    if errors:
        raise ValidationError(errors)
    require_transition(followup, FollowUp.Status.EVALUATED)
    evaluation = Evaluation.objects.create(
        followup=followup,
        stability=stability,
        satisfaction=satisfaction,
        notes=notes.strip(),
        evaluated_by=acting_user,
        evaluated_at=evaluated_at,
    )
    followup.status, followup.evaluated_at = FollowUp.Status.EVALUATED, evaluated_at
    apply_next_due(followup)
    followup.save(update_fields=["status", "evaluated_at", "next_due_at", "updated_at"])
    return evaluation


# --- visits -----------------------------------------------------------------------------------------------


@transaction.atomic
def record_visit(
    followup: FollowUp,
    *,
    channel: str,
    visited_at: datetime,
    contact: str,
    notes: str,
    contact_name: str = "",
    satisfaction: int | None = None,
    officer: User | None = None,
    evidence: Sequence[UploadedFile] = (),
    acting_user: User,
    now: datetime | None = None,
) -> Visit:
    """A visit as it happened, with its evidence files (checked as case documents are); it fulfils the
    earliest further visit still pending. The same visit sent twice (a double submit: same time,
    channel, person contacted and notes) is stored once."""
    now = now or timezone.now()
    followup = _locked(followup)
    require(acting_user, "record_followup", followup.facility_id)
    officer = officer or acting_user
    if followup.status == FollowUp.Status.CLOSED:
        raise ValidationError(_("该跟踪回访已结束，不能再登记回访"), code="closed")
    notes = notes.strip()
    errors = {}
    if channel not in Visit.Channel.values:
        errors["channel"] = _("请选择回访方式")
    if contact not in Visit.Contact.values:
        errors["contact"] = _("请选择回访对象：当事人或知情人")
    if not notes:
        errors["notes"] = _("请填写回访情况")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        errors["satisfaction"] = SATISFACTION_MESSAGE
    if visited_at > now:
        errors["visited_at"] = _("回访时间不能晚于当前时间")
    elif visited_at < followup.detention.released_at:
        errors["visited_at"] = _("回访时间不能早于出所时间")
    if not can(officer, "record_followup", followup.facility_id):
        errors["officer"] = _("回访民警应为本所民警")
    for upload in evidence:
        try:
            detainee_services.check_document_file(upload)
        except ValidationError as error:
            errors.setdefault("evidence", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    same = followup.visits.filter(channel=channel, visited_at=visited_at, contact=contact, notes=notes).first()
    if same is not None:
        return same
    visit = Visit.objects.create(
        followup=followup,
        channel=channel,
        visited_at=visited_at,
        officer=officer,
        contact=contact,
        contact_name=contact_name.strip(),
        notes=notes,
        satisfaction=satisfaction,
        recorded_by=acting_user,
    )
    for upload in evidence:
        _store_evidence(visit, upload)
    scheduled = followup.scheduled_visits.filter(status=ScheduledVisit.Status.PENDING).order_by("due_at").first()
    if scheduled is not None:
        require_transition(scheduled, ScheduledVisit.Status.DONE)
        scheduled.status, scheduled.visit = ScheduledVisit.Status.DONE, visit
        scheduled.save(update_fields=["status", "visit", "updated_at"])
        apply_next_due(followup)
        followup.save(update_fields=["next_due_at", "updated_at"])
    return visit


def _store_evidence(visit: Visit, upload: UploadedFile) -> VisitEvidence:
    content_type = detainee_services.check_document_file(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = VisitEvidence(visit=visit, content_type=content_type, size=upload.size, sha256=digest.hexdigest())
    evidence.file.save("upload", upload, save=False)
    # A failed INSERT must not leave the file behind (the transaction's rollback does not remove it).
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


# --- closing ----------------------------------------------------------------------------------------------


@transaction.atomic
def close_followup(
    followup: FollowUp, *, reason: str, note: str = "", acting_user: User, now: datetime | None = None
) -> FollowUp:
    """End the follow-up, after its evaluation, with a reason (案结事了 when the matter is settled); the
    further visits still pending are cancelled. Closing a closed one again changes nothing."""
    now = now or timezone.now()
    followup = _locked(followup)
    require(acting_user, "record_followup", followup.facility_id)
    if followup.status == FollowUp.Status.CLOSED:
        return followup
    require_transition(followup, FollowUp.Status.CLOSED, message=_("请先完成成效评估，再结束跟踪回访"))
    note = note.strip()
    if reason not in FollowUp.CloseReason.values:
        raise ValidationError({"reason": _("请选择结束原因")})
    if reason == FollowUp.CloseReason.OTHER and not note:
        raise ValidationError({"note": _("结束原因为“其他”时请填写说明")})
    followup.scheduled_visits.filter(status=ScheduledVisit.Status.PENDING).update(
        status=ScheduledVisit.Status.CANCELLED, updated_at=now
    )
    followup.status, followup.closed_at, followup.closed_by = FollowUp.Status.CLOSED, now, acting_user
    followup.close_reason, followup.close_note = reason, note
    apply_next_due(followup)
    followup.save(
        update_fields=["status", "closed_at", "closed_by", "close_reason", "close_note", "next_due_at", "updated_at"]
    )
    return followup


# --- re-offending, by hand ----------------------------------------------------------------------------------


@transaction.atomic
def save_reoffence(
    release: Detention,
    *,
    occurred_on: date,
    description: str,
    retracted: bool = False,
    acting_user: User,
    now: datetime | None = None,
) -> Reoffence:
    """Record a re-offence after this release by hand (one the job cannot see: an offence outside the
    province's centres), or correct the one recorded (its date, what happened, or that it was none:
    retracted, and it stays so). The automatic job never records a release that has a row."""
    now = now or timezone.now()
    release = Detention.objects.select_for_update().get(pk=release.pk)
    require(acting_user, "record_followup", release.facility_id)
    if release.released_at is None:
        raise ValidationError(_("此人尚未出所，不能登记重新违法犯罪"), code="not_released")
    description = description.strip()
    errors = {}
    if occurred_on < timezone.localtime(release.released_at).date():
        errors["occurred_on"] = _("发生日期不能早于出所日期")
    elif occurred_on > timezone.localdate(now):
        errors["occurred_on"] = _("发生日期不能晚于今天")
    if not description:
        errors["description"] = _("请填写情况说明")
    if errors:
        raise ValidationError(errors)
    status = Reoffence.Status.RETRACTED if retracted else Reoffence.Status.RECORDED
    reoffence = Reoffence.objects.select_for_update().filter(release=release).first()
    if reoffence is None:
        if retracted:
            raise ValidationError(_("尚无重新违法犯罪记录，无需撤销"), code="nothing_to_retract")
        return Reoffence.objects.create(
            release=release,
            facility_id=release.facility_id,
            occurred_on=occurred_on,
            source=Reoffence.Source.MANUAL,
            description=description,
            recorded_at=now,
            recorded_by=acting_user,
        )
    require_transition(reoffence, status)
    reoffence.status, reoffence.occurred_on, reoffence.description = status, occurred_on, description
    reoffence.corrected_at, reoffence.corrected_by = now, acting_user
    reoffence.save(update_fields=["status", "occurred_on", "description", "corrected_at", "corrected_by", "updated_at"])
    return reoffence
