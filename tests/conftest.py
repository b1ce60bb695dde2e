"""Shared fixtures: one fixed organization tree and the named personas of CONVENTIONS.md (Tests).

Everything is built through accounts.services, the same functions the views, admin and commands use,
with fixed values; nothing here calls seed_demo.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Organization, Role, User
from accounts.services import create_organization, create_user, grant_membership

PASSWORD = "Yaoyao-Test-2026!"

K = Organization.Kind


@dataclass(frozen=True)
class OrgTree:
    province: Organization
    ningbo: Organization
    yuyao: Organization
    cixi: Organization
    centre_a: Organization
    centre_b: Organization
    court: Organization
    enforcement_bureau: Organization
    justice_bureau: Organization
    law_firm: Organization

    def all(self) -> list[Organization]:
        return list(vars(self).values())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher costs ~0.3 s a password; the tests create dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def orgs(db) -> OrgTree:
    province = create_organization(name="浙江省", kind=K.PROVINCE, code="330000", region_code="330000")
    ningbo = create_organization(name="宁波市", kind=K.CITY, code="330200", region_code="330200", parent=province)
    yuyao = create_organization(name="余姚市", kind=K.COUNTY, code="330281", region_code="330281", parent=ningbo)
    cixi = create_organization(name="慈溪市", kind=K.COUNTY, code="330282", region_code="330282", parent=ningbo)
    court = create_organization(
        name="余姚市人民法院", kind=K.COURT, code="330281-FY", region_code="330281", parent=yuyao
    )
    return OrgTree(
        province=province,
        ningbo=ningbo,
        yuyao=yuyao,
        cixi=cixi,
        centre_a=create_organization(
            name="余姚市拘留所", kind=K.FACILITY, code="330281-JLS", region_code="330281", parent=yuyao
        ),
        centre_b=create_organization(
            name="慈溪市拘留所", kind=K.FACILITY, code="330282-JLS", region_code="330282", parent=cixi
        ),
        court=court,
        enforcement_bureau=create_organization(
            name="余姚市人民法院执行局",
            kind=K.ENFORCEMENT_BUREAU,
            code="330281-FY-ZXJ",
            region_code="330281",
            parent=court,
        ),
        justice_bureau=create_organization(
            name="余姚市司法局", kind=K.JUSTICE_BUREAU, code="330281-SFJ", region_code="330281", parent=yuyao
        ),
        law_firm=create_organization(
            name="姚江律师事务所",
            kind=K.LAW_FIRM,
            code="330281-LS01",
            region_code="330281",
            parent=yuyao,
            is_state_organ=False,
        ),
    )


def make_person(username: str, full_name: str, organization: Organization, role: Role) -> User:
    user = create_user(username=username, password=PASSWORD, full_name=full_name)
    grant_membership(user, organization=organization, role=role)
    return user


@pytest.fixture
def officer_a(orgs) -> User:
    return make_person("yy_officer", "张明", orgs.centre_a, Role.OFFICER)


@pytest.fixture
def leader_a(orgs) -> User:
    return make_person("yy_leader", "王建国", orgs.centre_a, Role.CENTRE_LEADER)


@pytest.fixture
def officer_b(orgs) -> User:
    return make_person("cx_officer", "钱卫东", orgs.centre_b, Role.OFFICER)


@pytest.fixture
def leader_b(orgs) -> User:
    return make_person("cx_leader", "孙立新", orgs.centre_b, Role.CENTRE_LEADER)


@pytest.fixture
def court_staff(orgs) -> User:
    return make_person("yy_judge", "李法官", orgs.court, Role.COURT_STAFF)


@pytest.fixture
def court_mediator(orgs) -> User:
    return make_person("yy_court_mediator", "陈调解", orgs.court, Role.COURT_MEDIATOR)


@pytest.fixture
def justice_clerk(orgs) -> User:
    return make_person("yy_justice", "周司法", orgs.justice_bureau, Role.AGENCY_STAFF)


@pytest.fixture
def lawyer(orgs) -> User:
    return make_person("yy_lawyer", "吴律师", orgs.law_firm, Role.AGENCY_STAFF)


@pytest.fixture
def volunteer(orgs) -> User:
    return make_person("yy_volunteer", "郑志愿", orgs.centre_a, Role.VOLUNTEER)


@pytest.fixture
def supervisor(orgs) -> User:
    return make_person("nb_supervisor", "孙监督", orgs.ningbo, Role.SUPERVISOR)


@pytest.fixture
def system_admin(orgs) -> User:
    return make_person("sys_admin", "系统管理员甲", orgs.province, Role.SYSTEM_ADMIN)


@pytest.fixture
def security_admin(orgs) -> User:
    return make_person("sec_admin", "安全管理员乙", orgs.province, Role.SECURITY_ADMIN)


@pytest.fixture
def audit_admin(orgs) -> User:
    return make_person("audit_admin", "安全审计员丙", orgs.province, Role.AUDIT_ADMIN)


# One persona fixture per role, for tests parametrized over the ten roles.
PERSONA_OF_ROLE = {
    Role.OFFICER: "officer_a",
    Role.CENTRE_LEADER: "leader_a",
    Role.COURT_STAFF: "court_staff",
    Role.COURT_MEDIATOR: "court_mediator",
    Role.AGENCY_STAFF: "justice_clerk",
    Role.VOLUNTEER: "volunteer",
    Role.SUPERVISOR: "supervisor",
    Role.SYSTEM_ADMIN: "system_admin",
    Role.SECURITY_ADMIN: "security_admin",
    Role.AUDIT_ADMIN: "audit_admin",
}


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


@pytest.fixture
def client_for():
    """client_for(user) -> a test Client signed in as `user` (no password round trip)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
