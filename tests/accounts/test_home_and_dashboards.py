"""Sign-in, the home page that sends each role to its dashboard, and what each dashboard shows."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import Membership, Organization, Role
from accounts.services import create_organization, create_user, grant_membership
from tests.conftest import PASSWORD, PERSONA_OF_ROLE, make_person

ROLES = list(PERSONA_OF_ROLE)
# The officer's dashboard: session, user, membership, the officer's three queues (assessments due, leads
# without a plan, today's sessions: tests/casework/test_dashboard_queues.py), team, the county
# (ancestors), partners, and the unread-message count in the header.
OFFICER_DASHBOARD_QUERIES = 10
# The supervisor's dashboard: session, user, membership, facilities, kind counts, unread messages.
SUPERVISOR_DASHBOARD_QUERIES = 6


def persona(request, role: Role):
    return request.getfixturevalue(PERSONA_OF_ROLE[role])


def sign_in(client: Client, username: str, password: str):
    """Fill in the login form as a browser does, CSRF token included, and follow the redirects."""
    page = client.get("/login/")
    assert 'name="username"' in page.content.decode() and 'name="password"' in page.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(
        "/login/",
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": ""},
        follow=True,
    )


def visited(response) -> list[str]:
    return [url for url, _status in response.redirect_chain]


@pytest.mark.parametrize("path", ["/", "/dashboard/officer/", "/organizations/", "/password/"])
def test_it_sends_an_anonymous_visitor_to_the_login_page(db, anonymous_client, path):
    response = anonymous_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_it_sends_each_role_from_sign_in_to_its_own_dashboard(request, role):
    user = persona(request, role)
    organization = user.memberships.get().organization

    response = sign_in(Client(enforce_csrf_checks=True), user.username, PASSWORD)

    assert visited(response) == ["/", f"/dashboard/{role.value}/"]
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{role.label}工作台" in page
    assert f'<p class="lead">{organization.name}' in page


def test_it_keeps_a_visitor_with_a_wrong_password_on_the_login_page(officer_a):
    response = sign_in(Client(enforce_csrf_checks=True), officer_a.username, "not-the-password")

    assert visited(response) == []
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_it_forbids_the_dashboard_of_another_role(request, client_for, role):
    other = ROLES[(ROLES.index(role) + 1) % len(ROLES)]

    response = client_for(persona(request, role)).get(f"/dashboard/{other.value}/")

    assert response.status_code == 403


def test_it_answers_404_for_an_unknown_role(officer_a, client_for):
    assert client_for(officer_a).get("/dashboard/warden/").status_code == 404


def _no_membership(user, orgs):
    pass


def _revoked_membership(user, orgs):
    grant_membership(user, organization=orgs.centre_a, role=Role.OFFICER)
    Membership.objects.filter(user=user).update(is_active=False)


def _closed_organization(user, orgs):
    grant_membership(user, organization=orgs.centre_a, role=Role.OFFICER)
    Organization.objects.filter(pk=orgs.centre_a.pk).update(is_active=False)


@pytest.mark.parametrize("arrange", [_no_membership, _revoked_membership, _closed_organization])
def test_it_shows_the_no_membership_page_to_a_user_without_an_active_role(orgs, client_for, arrange):
    user = create_user(username="newcomer", password=PASSWORD, full_name="新同事")
    arrange(user, orgs)
    client = client_for(user)

    response = client.get("/")

    assert response.status_code == 403
    assert "尚未分配单位和角色" in response.content.decode()
    assert client.get("/dashboard/officer/").status_code == 403


def test_it_signs_out_on_post(officer_a, client_for):
    client = client_for(officer_a)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_it_does_not_sign_out_on_get(officer_a, client_for):
    client = client_for(officer_a)

    assert client.get("/logout/").status_code == 405
    assert client.get("/dashboard/officer/").status_code == 200


def test_it_changes_the_password(officer_a, client_for):
    new_password = "Sanjiang-Mediation-42"
    client = client_for(officer_a)
    assert client.get("/password/").status_code == 200

    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    assert response["Location"] == "/password/done/"
    assert client.get("/password/done/").status_code == 200
    signed_in = sign_in(Client(enforce_csrf_checks=True), officer_a.username, new_password)
    assert visited(signed_in) == ["/", "/dashboard/officer/"]
    refused = sign_in(Client(enforce_csrf_checks=True), officer_a.username, PASSWORD)
    assert visited(refused) == []


def test_it_refuses_a_weak_new_password(officer_a, client_for):
    response = client_for(officer_a).post(
        "/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )

    assert response.status_code == 200
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_it_shows_the_officer_only_their_own_centre(officer_a, leader_a, volunteer, officer_b, client_for):
    page_a = client_for(officer_a).get("/dashboard/officer/").content.decode()
    page_b = client_for(officer_b).get("/dashboard/officer/").content.decode()

    for shown_to_a in ["王建国", "yy_leader", "郑志愿", "yy_volunteer", "余姚市司法局"]:
        assert shown_to_a in page_a
        assert shown_to_a not in page_b
    assert "余姚市拘留所" not in page_b
    assert "慈溪市拘留所" not in page_a
    assert "钱卫东" in page_b


def test_it_shows_the_supervisor_every_centre_of_the_city(supervisor, client_for):
    page = client_for(supervisor).get("/dashboard/supervisor/").content.decode()

    assert "余姚市拘留所" in page
    assert "慈溪市拘留所" in page
    assert "330281-JLS" in page and "330282-JLS" in page


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_it_opens_the_organizations_page_only_to_supervisors_and_the_system_admin(request, client_for, role):
    response = client_for(persona(request, role)).get("/organizations/")

    assert response.status_code == (200 if role in {Role.SUPERVISOR, Role.SYSTEM_ADMIN} else 403)


def test_it_shows_the_supervisor_the_tree_of_their_region_only(supervisor, client_for):
    page = client_for(supervisor).get("/organizations/").content.decode()

    for name in ["宁波市", "余姚市拘留所", "慈溪市拘留所", "余姚市人民法院执行局", "姚江律师事务所"]:
        assert name in page
    assert "浙江省" not in page


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_it_lets_only_the_system_admin_into_the_django_admin(request, client_for, role):
    response = client_for(persona(request, role)).get("/admin/")

    if role == Role.SYSTEM_ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_it_counts_each_account_once_on_the_system_admin_dashboard(orgs, system_admin, officer_a, client_for):
    # officer_a also volunteers, and once held a role at centre B that was revoked: still one account.
    grant_membership(officer_a, organization=orgs.centre_a, role=Role.VOLUNTEER)
    revoked = grant_membership(officer_a, organization=orgs.centre_b, role=Role.OFFICER)
    Membership.objects.filter(pk=revoked.pk).update(is_active=False)
    create_user(username="newcomer", password=PASSWORD)

    response = client_for(system_admin).get("/dashboard/system_admin/")

    assert response.context["user_counts"] == {"total": 3, "active": 3, "without_membership": 1}


@pytest.mark.parametrize("extra_officers", [2, 12])
def test_it_shows_the_officer_dashboard_in_a_fixed_number_of_queries(
    orgs, officer_a, client_for, django_assert_num_queries, extra_officers
):
    for n in range(extra_officers):
        make_person(f"yy_extra_{n:02d}", f"民警{n:02d}", orgs.centre_a, Role.OFFICER)
    client = client_for(officer_a)

    with django_assert_num_queries(OFFICER_DASHBOARD_QUERIES):
        response = client.get("/dashboard/officer/")

    assert response.status_code == 200
    assert response.content.decode().count("yy_extra_") == extra_officers


@pytest.mark.parametrize("extra_centres", [1, 8])
def test_it_shows_the_supervisor_dashboard_in_a_fixed_number_of_queries(
    orgs, supervisor, client_for, django_assert_num_queries, extra_centres
):
    for n in range(extra_centres):
        create_organization(
            name=f"慈溪市第{n + 2}拘留所",
            kind=Organization.Kind.FACILITY,
            code=f"330282-JLS{n + 2}",
            region_code="330282",
            parent=orgs.cixi,
        )
    client = client_for(supervisor)

    with django_assert_num_queries(SUPERVISOR_DASHBOARD_QUERIES):
        response = client.get("/dashboard/supervisor/")

    assert response.status_code == 200
    assert response.content.decode().count("330282-JLS") == extra_centres + 1
