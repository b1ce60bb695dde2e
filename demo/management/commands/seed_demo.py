"""Load the demo organizations, rooms, one user per role and a few cases. Safe to run again: nothing is
duplicated."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organization, Role, User
from accounts.services import create_organization, create_user, grant_membership
from demo.cases import seed_cases
from disputes.models import Room
from disputes.services import save_room

DEMO_PASSWORD = "Demo-2026-yaoyao"

K = Organization.Kind
# (code, name, kind, region code, parent code, is state organ)
ORGANIZATIONS = [
    ("330000", "浙江省", K.PROVINCE, "330000", None, True),
    ("330200", "宁波市", K.CITY, "330200", "330000", True),
    ("330281", "余姚市", K.COUNTY, "330281", "330200", True),
    ("330282", "慈溪市", K.COUNTY, "330282", "330200", True),
    ("330281-JLS", "余姚市拘留所", K.FACILITY, "330281", "330281", True),
    ("330282-JLS", "慈溪市拘留所", K.FACILITY, "330282", "330282", True),
    ("330281-FY", "余姚市人民法院", K.COURT, "330281", "330281", True),
    ("330281-FY-ZXJ", "余姚市人民法院执行局", K.ENFORCEMENT_BUREAU, "330281", "330281-FY", True),
    ("330281-SFJ", "余姚市司法局", K.JUSTICE_BUREAU, "330281", "330281", True),
    ("330281-LS01", "浙江姚江律师事务所", K.LAW_FIRM, "330281", "330281", False),
    ("330281-XL01", "余姚市心晴心理咨询中心", K.COUNSELLING_CENTRE, "330281", "330281", False),
    ("330281-FL", "余姚市妇女联合会", K.WOMENS_FEDERATION, "330281", "330281", False),
    ("330281-PCS01", "余姚市公安局阳明派出所", K.POLICE_STATION, "330281", "330281", True),
    ("330281-JD01", "余姚市阳明街道办事处", K.TOWNSHIP, "330281", "330281", True),
    ("330281-CW01", "余姚市阳明街道双河村村民委员会", K.VILLAGE_COMMITTEE, "330281", "330281", False),
]

# (username, full name, organization code, role)
USERS = [
    ("yy_officer", "张明", "330281-JLS", Role.OFFICER),
    ("yy_leader", "王建国", "330281-JLS", Role.CENTRE_LEADER),
    ("yy_judge", "李法官", "330281-FY", Role.COURT_STAFF),
    ("yy_enforcement", "赵执行", "330281-FY-ZXJ", Role.COURT_STAFF),
    ("yy_court_mediator", "陈调解", "330281-FY", Role.COURT_MEDIATOR),
    ("yy_justice", "周司法", "330281-SFJ", Role.AGENCY_STAFF),
    ("yy_lawyer", "吴律师", "330281-LS01", Role.AGENCY_STAFF),
    ("yy_volunteer", "郑志愿", "330281-JLS", Role.VOLUNTEER),
    ("nb_supervisor", "孙监督", "330200", Role.SUPERVISOR),
    ("cx_officer", "钱民警", "330282-JLS", Role.OFFICER),
    ("sys_admin", "系统管理员", "330000", Role.SYSTEM_ADMIN),
    ("sec_admin", "安全管理员", "330000", Role.SECURITY_ADMIN),
    ("audit_admin", "安全审计员", "330000", Role.AUDIT_ADMIN),
]

# (facility code, name, kind, for family meetings); made through disputes.services.save_room by the
# command itself (acting_user=None: the system, as for every command run on the server).
ROOMS = [
    ("330281-JLS", "第一调解室", Room.Kind.MEDIATION, True),
    ("330281-JLS", "第二调解室", Room.Kind.MEDIATION, True),
    ("330281-JLS", "远程视频调解室", Room.Kind.VIDEO, False),
    ("330282-JLS", "调解室", Room.Kind.MEDIATION, True),
]


class Command(BaseCommand):
    help = "加载演示数据（组织机构、调解室、各角色演示账户、演示案件）；重复运行不会产生重复数据。"

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("演示数据只能在 DEBUG 模式下加载（生产环境禁止）。")
        created = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪（新建 {created} 条记录）。"))


@transaction.atomic
def seed_demo() -> int:
    created = 0
    orgs: dict[str, Organization] = {
        o.code: o for o in Organization.objects.filter(code__in=[r[0] for r in ORGANIZATIONS])
    }
    for code, name, kind, region, parent_code, state in ORGANIZATIONS:
        if code in orgs:
            continue
        orgs[code] = create_organization(
            name=name,
            kind=kind,
            code=code,
            region_code=region,
            parent=orgs[parent_code] if parent_code else None,
            is_state_organ=state,
        )
        created += 1
    existing = set(Room.objects.filter(facility__code__in=[r[0] for r in ROOMS]).values_list("facility__code", "name"))
    for code, name, kind, family in ROOMS:
        if (code, name) not in existing:
            save_room(orgs[code], name=name, kind=kind, for_family_meetings=family, acting_user=None)
            created += 1
    for username, full_name, code, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user(username=username, password=DEMO_PASSWORD, full_name=full_name)
            created += 1
        grant_membership(user, organization=orgs[code], role=role)
    created += seed_cases(orgs)
    return created
