"""The escalation-risk score: how likely a person's dispute is to turn into a criminal case.

Transparent points, not a model: every point comes with the reason shown to the officer, so a leader
can check and argue with the order of the worklist. The weights follow the risk factors the source
article names (threats of violence over family or money disputes, self-harm, debts under court
enforcement, petitions) and can be revised here with a comment.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import IntakeAssessment

Tag = IntakeAssessment.RiskTag
Level = IntakeAssessment.RiskLevel

TAG_POINTS: dict[str, int] = {
    Tag.VIOLENCE: 4,
    Tag.SELF_HARM: 3,
    Tag.FAMILY_CONFLICT: 2,
    Tag.ENFORCEMENT_DEBTOR: 2,
    Tag.PETITIONER: 2,
    Tag.MENTAL_HEALTH: 2,
    Tag.DRUG_USE: 1,
    Tag.CHILDREN_WITHOUT_CARE: 1,
}
LEVEL_POINTS: dict[str, int] = {Level.HIGH: 3, Level.MEDIUM: 1, Level.LOW: 0}
LEADS_FOUND_POINTS = 1


def escalation_score(*, risk_tags: list[str], risk_level: str, screening_result: str) -> tuple[int, list[dict]]:
    """(score, reasons), each reason {"points": n, "reason": "..."}, highest points first."""
    reasons = [
        {"points": TAG_POINTS[tag], "reason": _("风险标签：%(tag)s") % {"tag": Tag(tag).label}}
        for tag in risk_tags
        if TAG_POINTS.get(tag)
    ]
    if LEVEL_POINTS.get(risk_level):
        reasons.append(
            {
                "points": LEVEL_POINTS[risk_level],
                "reason": _("风险等级：%(level)s") % {"level": Level(risk_level).label},
            }
        )
    if screening_result == IntakeAssessment.Screening.LEADS_FOUND:
        reasons.append({"points": LEADS_FOUND_POINTS, "reason": _("排查发现矛盾纠纷线索")})
    reasons.sort(key=lambda item: -item["points"])
    return sum(item["points"] for item in reasons), reasons
