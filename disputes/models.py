"""Disputes: rooms, dispute leads and their parties, the one-person-one-plan, the volunteer roster,
mediation sessions with room booking, outcomes, agreements and judicial confirmation (DESIGN.md §3)."""

from __future__ import annotations

import datetime

import pghistory
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organization, TimeStampedModel, User
from audit.tracking import changed_except, track
from detainees.models import Detention, IntakeAssessment, private_storage
from security.fields import EncryptedTextField
from security.normalizers import normalize_phone


@track()
class Room(TimeStampedModel):
    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("调解室")
        VIDEO = "video", _("远程视频调解室")

    facility = models.ForeignKey(
        Organization,
        verbose_name=_("拘留所"),
        on_delete=models.PROTECT,
        related_name="rooms",
        limit_choices_to={"kind": Organization.Kind.FACILITY},
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.MEDIATION)
    # Family meeting slots have as many places as there are rooms marked here (DESIGN.md §3).
    for_family_meetings = models.BooleanField(_("可用于亲属会见"), default=False)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"), default=6)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("调解室")
        verbose_name_plural = pgettext_lazy("plural", "调解室")
        ordering = ["facility", "name"]
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="room_unique_name_per_facility")]

    def __str__(self) -> str:
        return f"{self.facility.name} · {self.name}"


@track(
    pghistory.InsertEvent(),
    # `facility` is a copy of the detention's centre (moved by a transfer, which the detention's own
    # trail records): no event of its own, and not a column of the events.
    # `release_at` is a copy of the detention's release kept by the database (below): no event either.
    pghistory.UpdateEvent(condition=changed_except("facility_id", "updated_at", "release_at")),
    pghistory.DeleteEvent(),
    exclude=["facility", "release_at"],
)
class DisputeLead(TimeStampedModel):
    """A dispute the detained person carries (矛盾线索), found at intake or later."""

    class Category(models.TextChoices):
        COURT_ENFORCEMENT = "court_enforcement", _("法院执行")
        MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
        NEIGHBOURS = "neighbours", _("邻里纠纷")
        PUBLIC_SECURITY = "public_security", _("治安纠纷")
        PETITION = "petition", _("信访")
        DRUG_REHABILITATION = "drug_rehabilitation", _("戒毒帮扶")
        RESETTLEMENT = "resettlement", _("安置帮教")
        LABOUR = "labour", _("劳动争议")
        DEBT = "debt", _("债务纠纷")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        PLANNING = "planning", _("制定方案")
        MEDIATING = "mediating", _("调解中")
        RESOLVED = "resolved", _("已化解")
        PARTLY_RESOLVED = "partly_resolved", _("部分化解")
        UNRESOLVED = "unresolved", _("未化解")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Source(models.TextChoices):
        INTAKE_SCREENING = "intake_screening", _("入所排查")
        CONVERSATION = "conversation", _("谈话发现")
        FAMILY = "family", _("家属反映")
        COURT = "court", _("法院推送")
        PUBLIC_APPLICATION = "public_application", _("调解申请")
        OTHER = "other", _("其他")

    # One low/medium/high scale for the whole case: the intake assessment's.
    RiskLevel = IntakeAssessment.RiskLevel

    CLOSED = frozenset({Status.RESOLVED, Status.PARTLY_RESOLVED, Status.UNRESOLVED, Status.WITHDRAWN})
    # The one table of allowed moves; disputes.services checks it inside the locked transaction
    # (yaoyao_mediation.states.require_transition), as for every stateful model here.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.PLANNING, Status.WITHDRAWN}),
        Status.PLANNING: frozenset({Status.MEDIATING, Status.WITHDRAWN}),
        Status.MEDIATING: frozenset({Status.RESOLVED, Status.PARTLY_RESOLVED, Status.UNRESOLVED, Status.WITHDRAWN}),
        Status.RESOLVED: frozenset(),
        Status.PARTLY_RESOLVED: frozenset(),
        Status.UNRESOLVED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }

    detention = models.ForeignKey(Detention, verbose_name=_("入所记录"), on_delete=models.PROTECT, related_name="leads")
    # The centre that holds the detention now: a copy kept by services.open_lead and the transfer hook,
    # so that a centre's lead lists are one index range (facility, order) instead of a walk through
    # every lead of the province joined to its detention.
    facility = models.ForeignKey(
        Organization,
        verbose_name=_("拘留所"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        # lead_list_idx (facility, -id) serves every lookup by centre; a second index would only cost writes.
        db_index=False,
    )
    category = models.CharField(_("纠纷类别"), max_length=24, choices=Category.choices)
    summary = models.TextField(_("纠纷概况"))
    amount_at_stake = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    court_case_number = models.CharField(_("法院案号"), max_length=64, blank=True)
    source = models.CharField(_("线索来源"), max_length=24, choices=Source.choices, default=Source.INTAKE_SCREENING)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    assigned_officer = models.ForeignKey(
        User, verbose_name=_("承办民警"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The custody clock's due time (disputes.deadlines.CUSTODY_CLOCK_RULE): the detention's release, the
    # actual one when it came, else the scheduled one (selectors.release_moment). A copy on the lead, so
    # that "open leads due before now" is one range of lead_release_due_idx; an index cannot reach the
    # detention's columns across the join. Kept by two database triggers (migration
    # 0011_fill_lead_release), so every path that moves a release (the release page, a detention's
    # edit, the imports, a fix in the shell) keeps it right without knowing about leads.
    release_at = models.DateTimeField(_("出所时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("矛盾线索")
        verbose_name_plural = pgettext_lazy("plural", "矛盾线索")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_at_stake__isnull=True) | models.Q(amount_at_stake__gte=0),
                name="lead_amount_not_negative",
            ),
        ]
        indexes = [
            # The worklist's open-leads column and the custody-clock flag: open leads per detention.
            models.Index(fields=["detention"], condition=models.Q(closed_at__isnull=True), name="lead_open_idx"),
            # A centre's lead list (newest first, keyset on id) and its API (newest first by creation).
            models.Index(fields=["facility", "-id"], name="lead_list_idx"),
            # The same list's default view, the open leads: most leads of a centre are closed.
            models.Index(
                fields=["facility", "-id"], condition=models.Q(closed_at__isnull=True), name="lead_open_list_idx"
            ),
            models.Index(fields=["facility", "-created_at", "-id"], name="lead_api_idx"),
            # The custody-clock sweep (sweeps.selectors.overdue / due_soon with CUSTODY_CLOCK_RULE):
            # WHERE closed_at IS NULL AND release_at < %(now)s (or within the clock): one range holding
            # only what is due, where lead_open_idx gave every open lead to join to every detention.
            models.Index(
                fields=["release_at"], condition=models.Q(closed_at__isnull=True), name="lead_release_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.detention}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def status_word(self) -> str:
        """The one word every page shows for where the lead stands. The lead's status is the truth,
        except while its plan is worked on (planning): there the plan's own state is what the reader
        needs, so "制定方案" is said only until the plan is submitted. Callers select_related("plan")."""
        if self.status != self.Status.PLANNING:
            return self.get_status_display()
        plan = getattr(self, "plan", None)  # None when there is no plan yet (RelatedObjectDoesNotExist)
        if plan is None:
            return self.get_status_display()
        return str(ResolutionPlan.LEAD_STATUS_WORDS.get(plan.status, self.get_status_display()))


@track()
class LeadParty(TimeStampedModel):
    """A party or counterparty of a lead, with the contact details the party agreed to give."""

    class Side(models.TextChoices):
        PARTY = "party", _("当事人一方")
        COUNTERPARTY = "counterparty", _("对方当事人")

    lead = models.ForeignKey(DisputeLead, on_delete=models.CASCADE, related_name="parties", verbose_name=_("矛盾线索"))
    side = models.CharField(_("身份"), max_length=16, choices=Side.choices)
    name = models.CharField(_("姓名或名称"), max_length=128)
    relation = models.CharField(_("与被拘留人关系"), max_length=32, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True, hash_field="phone_hash", normalizer=normalize_phone)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("联系电话检索码"))
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = pgettext_lazy("plural", "当事人")
        ordering = ["side", "pk"]

    def __str__(self) -> str:
        return self.name


class LeadTransition(models.Model):
    """Every change of a lead's state, for the timeline (permanent; the audit trail keeps the rest)."""

    lead = models.ForeignKey(
        DisputeLead, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("矛盾线索")
    )
    from_status = models.CharField(
        max_length=16, choices=DisputeLead.Status.choices, blank=True, verbose_name=_("原状态")
    )
    to_status = models.CharField(max_length=16, choices=DisputeLead.Status.choices, verbose_name=_("新状态"))
    at = models.DateTimeField(verbose_name=_("时间"))
    acting_user = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作人")
    )
    note = models.TextField(blank=True, verbose_name=_("说明"))

    class Meta:
        verbose_name = _("线索状态变更")
        verbose_name_plural = pgettext_lazy("plural", "线索状态变更")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


# --- one-person-one-plan (一人一策) ------------------------------------------------------------------


@track()
class ResolutionPlan(TimeStampedModel):
    """The plan for one lead, approved or returned by a centre leader. One row per lead; each
    decision is kept in PlanReview."""

    class Method(models.TextChoices):
        LISTENING = "listening", _("倾听疏导")
        COUNSELLING = "counselling", _("心理疏导")
        FAMILY_PERSUASION = "family_persuasion", _("亲情规劝")
        LEGAL_EXPLANATION = "legal_explanation", _("释法明理")
        JOINT_MEDIATION = "joint_mediation", _("联合调解")
        JUDICIAL_CONFIRMATION = "judicial_confirmation", _("司法确认")
        ASSISTANCE = "assistance", _("帮扶救助")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已批准")
        RETURNED = "returned", _("已退回")

    # Saving the text moves the plan to draft or to submitted whatever its state: a draft is not what the
    # leaders were asked to approve, so it withdraws a submitted or approved plan from review. Only a
    # submitted plan is approved or returned. (Saving again in the same state is no move.)
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.SUBMITTED}),
        Status.SUBMITTED: frozenset({Status.DRAFT, Status.APPROVED, Status.RETURNED}),
        Status.APPROVED: frozenset({Status.DRAFT, Status.SUBMITTED}),
        Status.RETURNED: frozenset({Status.DRAFT, Status.SUBMITTED}),
    }

    # What a lead in planning is called on every page, by the state of its plan (DisputeLead.status_word);
    # a draft is still "制定方案" (DisputeLead.Status.PLANNING's own word).
    LEAD_STATUS_WORDS = {
        Status.SUBMITTED: _("方案待审批"),
        Status.RETURNED: _("方案已退回"),
        Status.APPROVED: _("方案已批准"),
    }

    lead = models.OneToOneField(DisputeLead, verbose_name=_("矛盾线索"), on_delete=models.CASCADE, related_name="plan")
    analysis = models.TextField(_("矛盾分析"))
    strategy = models.TextField(_("化解策略"))
    methods = ArrayField(
        models.CharField(max_length=24, choices=Method.choices), verbose_name=_("化解方法"), default=list
    )
    # Partner organizations the plan needs (KPI 7, DESIGN.md §6); empty when the centre works alone.
    agencies_needed = models.ManyToManyField(Organization, verbose_name=_("需协作单位"), blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(User, verbose_name=_("制定人"), null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)
    # Grows with every save of the text; a leader's decision names the revision they read, so a plan
    # changed after the review page was opened is not approved unseen.
    revision = models.PositiveIntegerField(default=1, verbose_name=_("修订版本"))

    class Meta:
        verbose_name = _("一人一策方案")
        verbose_name_plural = pgettext_lazy("plural", "一人一策方案")

    def __str__(self) -> str:
        return f"{self.lead} · {self.get_status_display()}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @staticmethod
    def review_request(lead_id: int) -> str:
        """The key of the inbox notices that ask the centre's leaders to review the plan of lead
        `lead_id` (notifications.Message.asks_for): the services mark them done once the plan is
        decided, withdrawn or moot."""
        return f"disputes.plan_review:{lead_id}"


class PlanReview(models.Model):
    """A leader's decision on a submitted plan, kept for good (the plan row shows only the latest)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("批准")
        RETURNED = "returned", _("退回")

    plan = models.ForeignKey(
        ResolutionPlan, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("一人一策方案")
    )
    decision = models.CharField(_("审批结果"), max_length=16, choices=Decision.choices)
    comment = models.TextField(_("审批意见"), blank=True)
    reviewer = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("审批人"))
    at = models.DateTimeField(verbose_name=_("审批时间"))

    class Meta:
        verbose_name = _("方案审批记录")
        verbose_name_plural = pgettext_lazy("plural", "方案审批记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_decision_display()


# --- the volunteer roster (社会监督员) ------------------------------------------------------------------


@track()
class VolunteerProfile(TimeStampedModel):
    """A volunteer on a centre's roster: qualification and the weekly hours they can come."""

    class Qualification(models.TextChoices):
        LAWYER = "lawyer", _("执业律师")
        LEGAL_WORKER = "legal_worker", _("基层法律服务工作者")
        PEOPLES_MEDIATOR = "peoples_mediator", _("人民调解员")
        COUNSELLOR = "counsellor", _("心理咨询师")
        NONE = "none", _("无法律职业资格")

    # One entry per centre: a volunteer may serve at two centres, each with its own hours and status.
    user = models.ForeignKey(
        User, verbose_name=_("社会监督员"), on_delete=models.CASCADE, related_name="volunteer_profiles"
    )
    facility = models.ForeignKey(
        Organization, verbose_name=_("拘留所"), on_delete=models.PROTECT, related_name="volunteers"
    )
    qualification = models.CharField(_("法律职业资格"), max_length=24, choices=Qualification.choices)
    certificate_number = models.CharField(_("资格证书编号"), max_length=64, blank=True)
    specialties = models.CharField(_("擅长领域"), max_length=255, blank=True)
    # ISO weekdays (1 = Monday) and the hours of those days the volunteer can come, local time.
    available_weekdays = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("可参加的星期"), default=list)
    available_from = models.TimeField(_("可参加时间自"), default=datetime.time(9, 0))
    available_until = models.TimeField(_("可参加时间至"), default=datetime.time(17, 0))
    confidentiality_signed_on = models.DateField(_("保密承诺签署日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("社会监督员")
        verbose_name_plural = pgettext_lazy("plural", "社会监督员")
        ordering = ["facility", "user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available_from__lt=models.F("available_until")), name="volunteer_hours_in_order"
            ),
            models.UniqueConstraint(fields=["user", "facility"], name="volunteer_once_per_facility"),
        ]

    def __str__(self) -> str:
        return self.user.full_name or self.user.username

    def is_available(self, starts_at, ends_at) -> bool:
        start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
        return (
            start.isoweekday() in self.available_weekdays
            and start.date() == end.date()
            and self.available_from <= start.time()
            and end.time() <= self.available_until
        )


# --- mediation sessions and room booking ---------------------------------------------------------------


class TsTzRange(models.Func):
    """tstzrange(starts_at, ends_at, '[)'): back-to-back bookings touch but do not overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _booking_range():
    return TsTzRange("starts_at", "ends_at", RangeBoundary())


@track()
class MediationSession(TimeStampedModel):
    """One mediation meeting. Its room, its detained person and each staff participant are booked for
    [starts_at, ends_at) by exclusion constraints, so none of them can be double-booked whatever the
    race; disputes.services turns a violation into a message."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("所内面对面")
        VIDEO = "video", _("远程视频（法院）")
        PHONE = "phone", _("电话")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已安排")
        HELD = "held", _("已举行")
        NO_SHOW = "no_show", _("未到场")
        CANCELLED = "cancelled", _("已取消")

    # Once it has begun, a booked session is marked held (with who came, the minutes and the result;
    # correcting them is no move) or no-show (it could not take place: someone did not come); before
    # that it may be cancelled. Held, no-show and cancelled are over: none of them is undone.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.SCHEDULED: frozenset({Status.HELD, Status.NO_SHOW, Status.CANCELLED}),
        Status.HELD: frozenset(),
        Status.NO_SHOW: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    class Result(models.TextChoices):
        AGREED = "agreed", _("达成一致")
        PARTLY_AGREED = "partly_agreed", _("部分达成一致")
        NOT_AGREED = "not_agreed", _("未达成一致")
        ADJOURNED = "adjourned", _("择期再调")

    # Why a leader's override was needed (DESIGN.md §3: after release, or against the health check),
    # or a session entered after it began (recorded after the fact: nobody booked the room ahead).
    OVERRIDE_AFTER_RELEASE = "after_release"
    OVERRIDE_HEALTH = "health"
    OVERRIDE_AFTER_THE_FACT = "after_the_fact"

    lead = models.ForeignKey(DisputeLead, verbose_name=_("矛盾线索"), on_delete=models.PROTECT, related_name="sessions")
    # Copied from the lead so that the constraints below can hold the person and the room's centre.
    # The identity, for the constraint that no person is booked twice; the name shown is person_name.
    person = models.ForeignKey(
        "detainees.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("被拘留人")
    )
    facility = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("拘留所"))
    mode = models.CharField(_("调解方式"), max_length=16, choices=Mode.choices, default=Mode.IN_PERSON)
    room = models.ForeignKey(
        Room, verbose_name=_("调解室"), null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    # The court taking part by video, whose staff then see the session (DESIGN.md §5).
    court = models.ForeignKey(
        Organization, verbose_name=_("视频连线法院"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    topic = models.CharField(_("调解事项"), max_length=255, blank=True)
    minutes = models.TextField(_("调解笔录"), blank=True)
    result = models.CharField(_("调解结果"), max_length=16, choices=Result.choices, blank=True)
    next_steps = models.TextField(_("下一步工作"), blank=True)
    # Why a session that was due did not take place (who did not come), when it is marked no-show.
    no_show_note = models.TextField(_("未到场情况"), blank=True)
    scheduled_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("安排人")
    )
    # A leader's explicit override, recorded with its reasons.
    override_reasons = ArrayField(models.CharField(max_length=16), verbose_name=_("特批事由"), default=list, blank=True)
    override_by = models.ForeignKey(
        User, verbose_name=_("特批人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_note = models.TextField(_("特批说明"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("取消时间"))
    cancel_reason = models.TextField(_("取消原因"), blank=True)

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = pgettext_lazy("plural", "调解会")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="session_starts_before_end"
            ),
            ExclusionConstraint(
                name="session_room_not_double_booked",
                expressions=[(_booking_range(), RangeOperators.OVERLAPS), ("room", RangeOperators.EQUAL)],
                condition=~models.Q(status="cancelled"),
            ),
            ExclusionConstraint(
                name="session_person_not_double_booked",
                expressions=[(_booking_range(), RangeOperators.OVERLAPS), ("person", RangeOperators.EQUAL)],
                condition=~models.Q(status="cancelled"),
            ),
        ]
        indexes = [
            # The room calendar: a centre's sessions in a day or a week.
            models.Index(fields=["facility", "starts_at"], name="session_calendar_idx"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} · {self.lead}"

    @property
    def person_name(self) -> str:
        """The person's name as the detention's centre recorded it (the person row is the identity only)."""
        return self.lead.detention.name

    @property
    def when_and_where(self) -> str:
        """ "2026-03-11 09:00–10:00 第一调解室": how a list names a session (reads `room`)."""
        where = self.room.name if self.room_id else self.get_mode_display()
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} {where}"


@track()
class SessionParticipant(TimeStampedModel):
    """A staff member booked into a session. starts_at/ends_at/active are copied from the session
    (disputes.services keeps them in step) so that one exclusion constraint stops double-booking
    a person across sessions."""

    class Capacity(models.TextChoices):
        OFFICER = "officer", _("管教民警")
        JUDGE = "judge", _("驻所法官")
        COURT_MEDIATOR = "court_mediator", _("法院调解员")
        VOLUNTEER = "volunteer", _("社会监督员")
        AGENCY = "agency", _("协作单位人员")

    session = models.ForeignKey(
        MediationSession, on_delete=models.CASCADE, related_name="participants", verbose_name=_("调解会")
    )
    user = models.ForeignKey(
        User, verbose_name=_("参加人员"), on_delete=models.PROTECT, related_name="session_bookings"
    )
    capacity = models.CharField(_("参加身份"), max_length=16, choices=Capacity.choices)
    # The user's organization at booking time (KPI 3: a session with a partner organization).
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在单位")
    )
    starts_at = models.DateTimeField(verbose_name=_("开始时间"))
    ends_at = models.DateTimeField(verbose_name=_("结束时间"))
    active = models.BooleanField(default=True, verbose_name=_("有效"))
    # Recorded with the session's result: None until then.
    attended = models.BooleanField(_("到场"), null=True, blank=True)
    # Volunteers declare, each time they are added, that they have no conflict of interest.
    conflict_declaration = models.TextField(_("利益冲突声明"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("声明时间"))

    class Meta:
        verbose_name = _("参加人员")
        verbose_name_plural = pgettext_lazy("plural", "参加人员")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_once_per_session"),
            ExclusionConstraint(
                name="participant_not_double_booked",
                expressions=[(_booking_range(), RangeOperators.OVERLAPS), ("user", RangeOperators.EQUAL)],
                condition=models.Q(active=True),
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


@track()
class SessionGuest(TimeStampedModel):
    """Someone from outside taking part: a family member, the counterparty, a village cadre."""

    session = models.ForeignKey(
        MediationSession, on_delete=models.CASCADE, related_name="guests", verbose_name=_("调解会")
    )
    name = models.CharField(_("姓名"), max_length=64)
    relation = models.CharField(_("身份或关系"), max_length=64, blank=True)
    # Recorded with the session's result: None until then.
    attended = models.BooleanField(_("到场"), null=True, blank=True)

    class Meta:
        verbose_name = _("外部参加人")
        verbose_name_plural = pgettext_lazy("plural", "外部参加人")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


# --- outcome, agreement and judicial confirmation -------------------------------------------------------


@track()
class LeadOutcome(TimeStampedModel):
    """How a closed lead ended, with the effects the KPIs' headline totals count (DESIGN.md §6)."""

    lead = models.OneToOneField(
        DisputeLead, on_delete=models.CASCADE, related_name="outcome", verbose_name=_("矛盾线索")
    )
    summary = models.TextField(_("化解情况"))
    enforcement_settled = models.BooleanField(_("执行和解"), default=False)
    agreed_amount = models.DecimalField(_("约定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(_("已履行金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    court_case_number = models.CharField(_("法院案号"), max_length=64, blank=True)
    petition_withdrawn = models.BooleanField(_("停访息诉"), default=False)
    family_reconciled = models.BooleanField(_("家庭和好"), default=False)
    crisis_averted = models.BooleanField(_("避免极端事件"), default=False)
    recorded_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )

    class Meta:
        verbose_name = _("化解结果")
        verbose_name_plural = pgettext_lazy("plural", "化解结果")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(agreed_amount__isnull=True) | models.Q(agreed_amount__gte=0))
                & (models.Q(paid_amount__isnull=True) | models.Q(paid_amount__gte=0)),
                name="outcome_amounts_not_negative",
            ),
        ]


@track()
class Agreement(TimeStampedModel):
    """The mediation agreement (调解协议书). `revision` grows with every change; the PDF is rendered by a
    worker for one revision and reused until the next (disputes.pdf)."""

    lead = models.OneToOneField(
        DisputeLead, verbose_name=_("矛盾线索"), on_delete=models.PROTECT, related_name="agreement"
    )
    number = models.CharField(_("协议编号"), max_length=64, unique=True)
    facts = models.TextField(_("纠纷事实"))
    terms = models.TextField(_("协议条款"))
    agreed_amount = models.DecimalField(_("约定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    paid_amount = models.DecimalField(_("已履行金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    signed_on = models.DateField(_("签订日期"))
    revision = models.PositiveIntegerField(default=1, verbose_name=_("修订版本"))
    pdf = models.FileField(
        upload_to="agreements/", storage=private_storage, blank=True, max_length=255, verbose_name=_("协议书 PDF")
    )
    pdf_revision = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("PDF 对应版本"))

    class Meta:
        verbose_name = _("调解协议书")
        verbose_name_plural = pgettext_lazy("plural", "调解协议书")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(agreed_amount__isnull=True) | models.Q(agreed_amount__gte=0))
                & (models.Q(paid_amount__isnull=True) | models.Q(paid_amount__gte=0)),
                name="agreement_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def pdf_is_current(self) -> bool:
        return bool(self.pdf) and self.pdf_revision == self.revision

    @property
    def judicial_confirmation(self) -> JudicialConfirmation | None:
        """The latest request for judicial confirmation (a refused one stays on record when the
        centre asks again)."""
        return self.judicial_confirmations.select_related("court").order_by("-requested_at", "-pk").first()

    @property
    def active_confirmation(self) -> JudicialConfirmation | None:
        """The request for judicial confirmation that is pending or granted, if any: at most one
        (confirmation_one_open_per_agreement), whatever refused requests stand beside it."""
        return self.judicial_confirmations.exclude(status=JudicialConfirmation.Status.REFUSED).first()

    @property
    def is_frozen(self) -> bool:
        """The court confirms the text it was sent: while a request for judicial confirmation is open,
        or once the court has granted it, the agreement may not change and no second court is asked.
        A refusal frees it again: the centre may correct the text and ask anew."""
        return self.active_confirmation is not None


class AgreementSequence(models.Model):
    """The last agreement number handed out per centre and year. Numbers are never derived from a
    count: a transfer or a corrected signing date would make a count repeat a number."""

    facility = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("拘留所"))
    year = models.PositiveSmallIntegerField(verbose_name=_("年份"))
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("已用最大编号"))

    class Meta:
        verbose_name = _("协议编号序列")
        verbose_name_plural = pgettext_lazy("plural", "协议编号序列")
        constraints = [models.UniqueConstraint(fields=["facility", "year"], name="agreement_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.year}: {self.last_number}"


@track()
class Signatory(TimeStampedModel):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("调解协议书")
    )
    name = models.CharField(_("姓名或名称"), max_length=128)
    role = models.CharField(_("身份"), max_length=64)  # 甲方, 乙方, 调解员, 见证人

    class Meta:
        verbose_name = _("签署人")
        verbose_name_plural = pgettext_lazy("plural", "签署人")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.role} {self.name}"


@track()
class JudicialConfirmation(TimeStampedModel):
    """A request that the court confirm the agreement (司法确认), and the court's answer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("已申请")
        CONFIRMED = "confirmed", _("已确认")
        REFUSED = "refused", _("不予确认")

    # The court answers a request once. After a refusal the centre asks again with a new request.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.REQUESTED: frozenset({Status.CONFIRMED, Status.REFUSED}),
        Status.CONFIRMED: frozenset(),
        Status.REFUSED: frozenset(),
    }

    # A refused request stays on record when the centre asks again: at most one request per agreement
    # that is not refused (the constraint below settles two requests racing).
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="judicial_confirmations", verbose_name=_("调解协议书")
    )
    court = models.ForeignKey(Organization, verbose_name=_("受理法院"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(verbose_name=_("申请时间"))
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("处理人")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("处理时间"))
    court_note = models.TextField(_("法院意见"), blank=True)
    # The agreement revision the court was sent. After a refusal the centre may change the agreement
    # and ask another court; the court that refused keeps its request, not a view of the new text.
    agreement_revision = models.PositiveIntegerField(default=1, verbose_name=_("协议版本"))

    class Meta:
        verbose_name = _("司法确认申请")
        verbose_name_plural = pgettext_lazy("plural", "司法确认申请")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=~models.Q(status="refused"),
                name="confirmation_one_open_per_agreement",
            ),
        ]


class SessionUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key grant table for sessions: a volunteer or a court mediator
    invited to one session gets `view_mediationsession` on it (DESIGN.md §5)."""

    content_object = models.ForeignKey(MediationSession, on_delete=models.CASCADE, verbose_name=_("调解会"))
    # guardian's own columns, named in Chinese for the admin and the audit pages.
    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name=_("用户"))
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, verbose_name=_("权限"))

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("调解会授权（用户）")
        verbose_name_plural = pgettext_lazy("plural", "调解会授权（用户）")


class SessionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(MediationSession, on_delete=models.CASCADE, verbose_name=_("调解会"))
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, verbose_name=_("用户组"))
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, verbose_name=_("权限"))

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("调解会授权（用户组）")
        verbose_name_plural = pgettext_lazy("plural", "调解会授权（用户组）")
