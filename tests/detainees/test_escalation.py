"""The escalation-risk score: transparent points, each with its reason, that order the worklist."""

from __future__ import annotations

import pytest

from detainees import services
from detainees.escalation import escalation_score
from detainees.models import IntakeAssessment
from detainees.selectors import visible_to

from .conftest import FIXED_NOW, ID_OTHER, ID_WOMAN

Tag = IntakeAssessment.RiskTag
Level = IntakeAssessment.RiskLevel
Screening = IntakeAssessment.Screening


def score(tags=(), level=Level.LOW, screening=Screening.NONE_FOUND):
    return escalation_score(risk_tags=list(tags), risk_level=level, screening_result=screening)


@pytest.mark.parametrize(
    "tag, points, reason",
    [
        (Tag.VIOLENCE, 4, "风险标签：有暴力倾向"),
        (Tag.SELF_HARM, 3, "风险标签：自伤自杀风险"),
        (Tag.FAMILY_CONFLICT, 2, "风险标签：家庭矛盾"),
        (Tag.ENFORCEMENT_DEBTOR, 2, "风险标签：法院执行被执行人"),
        (Tag.PETITIONER, 2, "风险标签：信访人员"),
        (Tag.MENTAL_HEALTH, 2, "风险标签：精神心理问题"),
        (Tag.DRUG_USE, 1, "风险标签：涉毒"),
        (Tag.CHILDREN_WITHOUT_CARE, 1, "风险标签：子女无人照料"),
    ],
)
def test_each_tag_gives_its_points_with_its_reason(tag, points, reason):
    assert score([tag]) == (points, [{"points": points, "reason": reason}])


def test_every_risk_tag_has_points():
    assert {tag for tag in Tag.values if score([tag])[0] == 0} == set()


@pytest.mark.parametrize(
    "level, expected",
    [
        (Level.LOW, (0, [])),
        (Level.MEDIUM, (1, [{"points": 1, "reason": "风险等级：中"}])),
        (Level.HIGH, (3, [{"points": 3, "reason": "风险等级：高"}])),
    ],
)
def test_the_risk_level_gives_points_and_a_low_level_gives_no_line(level, expected):
    assert score(level=level) == expected


def test_leads_found_in_the_screening_give_a_point():
    assert score(screening=Screening.LEADS_FOUND) == (1, [{"points": 1, "reason": "排查发现矛盾纠纷线索"}])


def test_nothing_found_scores_zero_with_no_reasons():
    assert score() == (0, [])


def test_the_score_is_the_sum_of_the_reasons_listed_highest_first():
    total, reasons = score(
        [Tag.DRUG_USE, Tag.FAMILY_CONFLICT, Tag.VIOLENCE], level=Level.HIGH, screening=Screening.LEADS_FOUND
    )

    assert reasons == [
        {"points": 4, "reason": "风险标签：有暴力倾向"},
        {"points": 3, "reason": "风险等级：高"},
        {"points": 2, "reason": "风险标签：家庭矛盾"},
        {"points": 1, "reason": "风险标签：涉毒"},
        {"points": 1, "reason": "排查发现矛盾纠纷线索"},
    ]
    assert total == sum(reason["points"] for reason in reasons) == 11


def test_reasons_with_equal_points_keep_the_order_the_tags_were_given():
    _total, reasons = score([Tag.PETITIONER, Tag.FAMILY_CONFLICT, Tag.MENTAL_HEALTH])

    assert [reason["reason"] for reason in reasons] == [
        "风险标签：信访人员",
        "风险标签：家庭矛盾",
        "风险标签：精神心理问题",
    ]


def test_a_more_dangerous_profile_scores_higher():
    violent = score([Tag.VIOLENCE, Tag.FAMILY_CONFLICT], level=Level.HIGH)[0]
    worried = score([Tag.CHILDREN_WITHOUT_CARE], level=Level.MEDIUM)[0]
    calm = score()[0]

    assert violent > worried > calm


def test_the_worklist_order_follows_the_stored_score(make_detention, officer_a):
    low = make_detention()
    high = make_detention(id_number=ID_WOMAN, name="钱某")
    unassessed = make_detention(id_number=ID_OTHER, name="孙某")
    for detention, tags, level in [(low, [Tag.DRUG_USE], Level.LOW), (high, [Tag.SELF_HARM], Level.HIGH)]:
        services.complete_assessment(
            detention,
            risk_tags=tags,
            risk_level=level,
            screening_result=Screening.NONE_FOUND,
            acting_user=officer_a,
            now=FIXED_NOW,
        )

    ordered = list(visible_to(officer_a).order_by("-escalation_score", "pk").values_list("pk", "escalation_score"))

    assert ordered == [(high.pk, 6), (low.pk, 1), (unassessed.pk, 0)]
