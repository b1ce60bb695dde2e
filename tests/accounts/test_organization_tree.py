"""The organization tree: materialised paths, subtree queries, parent-kind rules and moves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Organization
from accounts.services import create_organization, move_organization

K = Organization.Kind


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_it_puts_everything_in_the_province_subtree(orgs):
    assert names(orgs.province.subtree()) == {org.name for org in orgs.all()}


def test_it_keeps_a_county_subtree_to_its_own_centre_and_partners(orgs):
    assert names(orgs.yuyao.subtree()) == {
        "余姚市",
        "余姚市拘留所",
        "余姚市人民法院",
        "余姚市人民法院执行局",
        "余姚市司法局",
        "姚江律师事务所",
    }
    assert names(orgs.cixi.subtree()) == {"慈溪市", "慈溪市拘留所"}


def test_it_stores_the_path_of_keys_and_the_depth(orgs):
    p, c, y, court, bureau = orgs.province, orgs.ningbo, orgs.yuyao, orgs.court, orgs.enforcement_bureau

    assert (p.path, p.depth) == (f"/{p.pk}/", 0)
    assert (c.path, c.depth) == (f"/{p.pk}/{c.pk}/", 1)
    assert (y.path, y.depth) == (f"/{p.pk}/{c.pk}/{y.pk}/", 2)
    assert (orgs.centre_a.path, orgs.centre_a.depth) == (f"{y.path}{orgs.centre_a.pk}/", 3)
    assert (bureau.path, bureau.depth) == (f"{court.path}{bureau.pk}/", 4)


def test_it_lists_ancestors_from_the_root_down(orgs):
    assert list(orgs.enforcement_bureau.ancestors()) == [orgs.province, orgs.ningbo, orgs.yuyao, orgs.court]
    assert list(orgs.province.ancestors()) == []


@pytest.mark.parametrize(
    "member, county",
    [
        ("centre_a", "yuyao"),
        ("enforcement_bureau", "yuyao"),
        ("law_firm", "yuyao"),
        ("yuyao", "yuyao"),
        ("centre_b", "cixi"),
        ("ningbo", None),
        ("province", None),
    ],
)
def test_it_finds_the_county_an_organization_belongs_to(orgs, member, county):
    expected = getattr(orgs, county) if county else None

    assert getattr(orgs, member).county() == expected


@pytest.mark.parametrize(
    "kind, parent",
    [
        (K.COUNTY, "province"),  # a county hangs under a city
        (K.FACILITY, None),  # a centre hangs under a county
        (K.CITY, "yuyao"),
        (K.FACILITY, "ningbo"),
        (K.LAW_FIRM, "court"),
        (K.PROVINCE, "province"),
    ],
)
def test_it_refuses_a_parent_of_the_wrong_kind(orgs, kind, parent):
    count = Organization.objects.count()

    with pytest.raises(ValidationError) as refused:
        create_organization(
            name="新机构",
            kind=kind,
            code="330299-NEW",
            region_code="330281",
            parent=getattr(orgs, parent) if parent else None,
        )

    assert "parent" in refused.value.message_dict
    assert Organization.objects.count() == count


def test_it_moves_a_subtree_to_another_county(orgs):
    court, bureau, cixi = orgs.court, orgs.enforcement_bureau, orgs.cixi

    moved = move_organization(court, new_parent=cixi)

    bureau.refresh_from_db()
    assert moved.parent == cixi
    assert (moved.path, moved.depth) == (f"{cixi.path}{court.pk}/", 3)
    assert (bureau.path, bureau.depth) == (f"{cixi.path}{court.pk}/{bureau.pk}/", 4)
    assert names(cixi.subtree()) == {"慈溪市", "慈溪市拘留所", "余姚市人民法院", "余姚市人民法院执行局"}
    assert "余姚市人民法院执行局" not in names(orgs.yuyao.subtree())
    assert bureau.county() == cixi


def test_it_rewrites_the_depth_when_a_move_changes_the_level(orgs):
    moved = move_organization(orgs.enforcement_bureau, new_parent=orgs.yuyao)

    assert (moved.path, moved.depth) == (f"{orgs.yuyao.path}{moved.pk}/", 3)
    assert moved.parent == orgs.yuyao


def test_it_leaves_the_rest_of_the_tree_alone_when_moving(orgs):
    moving = {orgs.court.pk, orgs.enforcement_bureau.pk}
    before = dict(Organization.objects.exclude(pk__in=moving).values_list("pk", "path"))

    move_organization(orgs.court, new_parent=orgs.cixi)

    assert dict(Organization.objects.exclude(pk__in=moving).values_list("pk", "path")) == before


@pytest.mark.parametrize("target", ["yuyao", "centre_a"])
def test_it_refuses_to_move_an_organization_under_itself_or_its_descendant(orgs, target):
    before = dict(Organization.objects.values_list("pk", "path"))

    with pytest.raises(ValidationError, match="自己的下级"):
        move_organization(orgs.yuyao, new_parent=getattr(orgs, target))

    assert dict(Organization.objects.values_list("pk", "path")) == before


def test_it_refuses_to_move_under_a_parent_of_the_wrong_kind(orgs):
    with pytest.raises(ValidationError):
        move_organization(orgs.centre_a, new_parent=orgs.ningbo)

    orgs.centre_a.refresh_from_db()
    assert orgs.centre_a.parent == orgs.yuyao


def test_it_answers_subtree_queries_from_the_path_prefix_index(orgs):
    with connection.cursor() as cursor:
        # The table is tiny, so a sequential scan would win; forbid it to see which index the plan can use.
        # SET (not SET LOCAL) is undone with the test's transaction.
        cursor.execute("SET enable_seqscan = off")

    plan = orgs.yuyao.subtree().explain()

    assert "org_path_prefix_idx" in plan, plan
