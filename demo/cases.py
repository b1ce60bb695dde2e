"""Demo cases for seed_demo: two people in custody at 余姚市拘留所, the volunteer on the roster, a lead
with an approved plan and a session booked, and a lead whose custody clock is running, with a work order
to the enforcement bureau and one to the law firm. Everything is
written through the services, with times relative to today so the pages show something current."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization, User
from detainees import identity
from detainees import services as detainee_services
from detainees.models import Detention, Person
from disputes import services as dispute_services
from disputes.models import DisputeLead, LeadParty, ResolutionPlan, Room
from referrals import services as referral_services
from referrals.models import WorkOrder


def _resident_id(first17: str) -> str:
    return first17 + identity.check_character(first17)


def _next_weekday_at(now: datetime, hour: int) -> datetime:
    day = timezone.localtime(now).date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_cases(orgs: dict[str, Organization]) -> int:
    """Returns the number of records created (0 when the demo cases are already there)."""
    if Detention.objects.filter(external_ref="DEMO-0001").exists():
        return 0
    centre = orgs["330281-JLS"]
    officer = User.objects.get(username="yy_officer")
    leader = User.objects.get(username="yy_leader")
    volunteer = User.objects.get(username="yy_volunteer")
    now = timezone.now()
    dispute_services.enrol_volunteer(
        centre,
        user=volunteer,
        qualification="lawyer",
        certificate_number="13302201010000001",
        specialties="婚姻家庭、债务纠纷",
        available_weekdays=[1, 2, 3, 4, 5],
        available_from=time(8, 30),
        available_until=time(17, 30),
        confidentiality_signed_on=timezone.localdate(),
        acting_user=leader,
    )
    session_at = _next_weekday_at(now, 10)
    debtor = detainee_services.record_intake(
        detainee_services.PersonInput(
            id_type=Person.IdType.RESIDENT_ID,
            id_number=_resident_id("33028119850315123"),
            name="赵建军",
            phone="13812341234",
        ),
        detainee_services.DetentionInput(
            facility=centre,
            kind=Detention.Kind.JUDICIAL,
            admitted_at=now - timedelta(days=1),
            # Long enough that the demo session lies inside the custody.
            scheduled_release_at=session_at + timedelta(days=5),
            external_ref="DEMO-0001",
            decision_number="（2026）浙0281司惩1号",
            handling_unit="余姚市人民法院",
            reason="拒不履行生效判决",
            cell="3",
            responsible_officer=officer,
        ),
        acting_user=officer,
    )
    lead = dispute_services.open_lead(
        debtor,
        category=DisputeLead.Category.COURT_ENFORCEMENT,
        summary="拖欠货款五万元，法院已立案执行，被执行人有还款意愿但一次性支付困难",
        amount_at_stake=Decimal("50000"),
        court_case_number="（2026）浙0281执123号",
        parties=[
            dispute_services.PartyInput(
                side=LeadParty.Side.COUNTERPARTY, name="宁波某建材有限公司", phone="057462000000"
            )
        ],
        acting_user=officer,
    )
    plan = dispute_services.save_plan(
        lead,
        analysis="被执行人家庭收入稳定，拒不履行源于对判决金额的误解",
        strategy="释法明理，联系执行局促成分期履行的执行和解",
        methods=[ResolutionPlan.Method.LEGAL_EXPLANATION, ResolutionPlan.Method.JOINT_MEDIATION],
        agencies_needed=[orgs["330281-FY-ZXJ"]],
        acting_user=officer,
    )
    dispute_services.review_plan(plan, approve=True, comment="同意，请执行局派员参加", acting_user=leader)
    dispute_services.schedule_session(
        lead,
        mode="in_person",
        starts_at=session_at,
        ends_at=session_at + timedelta(hours=1),
        room=Room.objects.get(facility=centre, name="第一调解室"),
        staff=[
            dispute_services.StaffInput(officer),
            dispute_services.StaffInput(volunteer, conflict_declaration="本人与双方当事人均无利害关系"),
        ],
        guests=[dispute_services.GuestInput(name="赵母", relation="母亲")],
        topic="执行款分期履行",
        acting_user=officer,
    )
    # Leaves the day after tomorrow with a family dispute still open: the custody clock is running.
    leaving = detainee_services.record_intake(
        detainee_services.PersonInput(
            id_type=Person.IdType.RESIDENT_ID,
            id_number=_resident_id("33028119900101124"),
            name="钱丽",
            phone="13900001111",
        ),
        detainee_services.DetentionInput(
            facility=centre,
            kind=Detention.Kind.ADMINISTRATIVE,
            admitted_at=now - timedelta(days=3),
            scheduled_release_at=now + timedelta(days=1, hours=6),
            external_ref="DEMO-0002",
            decision_number="余公（阳）行罚决字〔2026〕101号",
            handling_unit="余姚市公安局阳明派出所",
            reason="殴打他人",
            cell="5",
            responsible_officer=officer,
        ),
        acting_user=officer,
    )
    family = dispute_services.open_lead(
        leaving,
        category=DisputeLead.Category.MARRIAGE_FAMILY,
        summary="与丈夫因子女抚养问题多次争吵，邻居报警",
        risk_level=DisputeLead.RiskLevel.MEDIUM,
        parties=[dispute_services.PartyInput(side=LeadParty.Side.COUNTERPARTY, name="孙某", relation="丈夫")],
        acting_user=officer,
    )
    # Work orders: the debt to the enforcement bureau (waiting for receipt), the family dispute to the law
    # firm with the party's consent (received by the lawyer, who asked a question in the thread).
    referral_services.refer_lead(
        lead,
        partners=[orgs["330281-FY-ZXJ"]],
        kind=WorkOrder.Kind.ENFORCEMENT,
        summary="请执行局派员参与执行和解调解，商定分期履行方案",
        acting_user=officer,
        now=now,
    )
    to_lawyer = referral_services.refer_lead(
        family,
        partners=[orgs["330281-LS01"]],
        kind=WorkOrder.Kind.LEGAL_AID,
        summary="夫妻因子女抚养问题争吵，请律师提供婚姻家庭法律咨询",
        consent=referral_services.ConsentInput(
            given_by="钱丽",
            given_at=now - timedelta(hours=2),
            share_phone=True,
            note="同意向律师事务所提供纠纷情况和联系电话",
        ),
        acting_user=officer,
        now=now,
    ).work_orders.get()
    lawyer = User.objects.get(username="yy_lawyer")
    referral_services.receive_work_order(to_lawyer, acting_user=lawyer, now=now)
    referral_services.post_message(to_lawyer, body="请问双方子女目前由谁抚养？", acting_user=lawyer, now=now)
    return 2 + 2 + 1 + 1 + 2  # detentions, leads, plan, session, work orders
