"""The Django admin is the system administrator's tool for the organization tree and accounts."""

from __future__ import annotations

import pytest

from accounts.models import Membership, Organization, Role

K = Organization.Kind


def organization_form(org: Organization | None = None, **changes) -> dict:
    fields = {
        "name": org.name if org else "",
        "kind": org.kind if org else "",
        "code": org.code if org else "",
        "region_code": org.region_code if org else "",
        "is_state_organ": "on" if (org is None or org.is_state_organ) else "",
        "parent": org.parent_id if org else "",
        "is_active": "on",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value != ""}


def test_it_creates_an_organization_with_its_path_in_the_admin(orgs, system_admin, client_for):
    response = client_for(system_admin).post(
        "/admin/accounts/organization/add/",
        organization_form(
            name="余姚市妇女联合会",
            kind=K.WOMENS_FEDERATION,
            code="330281-FL",
            region_code="330281",
            parent=orgs.yuyao.pk,
        ),
    )

    assert response.status_code == 302
    created = Organization.objects.get(code="330281-FL")
    assert (created.path, created.depth) == (f"{orgs.yuyao.path}{created.pk}/", 3)


def test_it_refuses_a_parent_of_the_wrong_kind_with_a_form_error(orgs, system_admin, client_for):
    response = client_for(system_admin).post(
        "/admin/accounts/organization/add/",
        organization_form(name="镇海区", kind=K.COUNTY, code="330211", region_code="330211", parent=orgs.province.pk),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Organization.objects.filter(code="330211").exists()


def test_it_keeps_paths_true_when_the_admin_changes_a_parent(orgs, system_admin, client_for):
    court, bureau = orgs.court, orgs.enforcement_bureau

    response = client_for(system_admin).post(
        f"/admin/accounts/organization/{court.pk}/change/", organization_form(court, parent=orgs.cixi.pk)
    )

    assert response.status_code in {200, 302}
    court.refresh_from_db()
    bureau.refresh_from_db()
    # Either the change is refused or the subtree moves with it; never a parent that the path contradicts.
    assert court.path == f"{court.parent.path}{court.pk}/"
    assert bureau.path == f"{court.path}{bureau.pk}/"


@pytest.mark.parametrize("revoke", ["deactivate", "delete"])
def test_it_closes_the_admin_to_a_revoked_system_admin(system_admin, client_for, revoke):
    memberships = Membership.objects.filter(user=system_admin, role=Role.SYSTEM_ADMIN)
    if revoke == "deactivate":
        memberships.update(is_active=False)
    else:
        memberships.delete()

    response = client_for(system_admin).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
