"""Every deadline rule of the project, listed here above the apps that declare them (each in its own
deadlines.py), for beat, `manage.py sweep_deadlines` and the deadline board. A new rule is one line."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext

from accounts.models import Organization
from detainees.deadlines import ASSESSMENT_RULE
from disputes.deadlines import CUSTODY_CLOCK_RULE
from followups.deadlines import EVALUATION_RULE, VISIT_RULE
from referrals.deadlines import FEEDBACK_RULE, RECEIPT_RULE
from sweeps import selectors
from sweeps.models import Breach
from sweeps.rules import Rule
from sweeps.services import sweep

logger = logging.getLogger(__name__)

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (ASSESSMENT_RULE, CUSTODY_CLOCK_RULE, EVALUATION_RULE, VISIT_RULE, RECEIPT_RULE, FEEDBACK_RULE)
}


def sweep_all(now: datetime, *, names: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Sweep each rule (or those named) at `now`. One rule's failure is logged and does not keep the
    others from running; the next run takes up whatever it left."""
    results = {}
    for name in names or RULES:
        try:
            results[name] = sweep(RULES[name], now)
        except Exception:
            if names:
                raise
            logger.exception("deadline sweep %s failed", name)
    return results


# --- the deadline board (/deadlines/) ----------------------------------------------------------------

# Rows per rule on a centre's board; the rest are behind the filters.
ITEM_LIMIT = 200
HISTORY_LIMIT = 50
# Above a single centre a count below this is not shown (DESIGN.md §5).
SUPPRESS_BELOW = 5


class State(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"


@dataclass(frozen=True)
class BoardRow:
    rule: str  # the rule's label
    title: str
    link: str
    due_at: datetime
    overdue: bool


def board_rows(
    rules: list[Rule], now: datetime, *, facility_id: int, officer_id: int | None = None, state: str = ""
) -> list[BoardRow]:
    """Everything of a centre (or of one officer there) overdue or due within each rule's reminder lead,
    from the due-time columns themselves (DESIGN.md §4: nothing hides while no sweep runs). One query
    per rule, on the rule's partial index by centre."""
    rows = []
    for rule in rules:
        items = rule.items().filter(deadline_centre=facility_id)
        if officer_id is not None:
            items = items.filter(deadline_officer=officer_id)
        if state == State.OVERDUE:
            items = items.filter(deadline_at__lt=now)
        elif state == State.DUE_SOON:
            items = items.filter(deadline_at__gte=now, deadline_at__lte=now + rule.reminder_lead())
        else:
            items = items.filter(deadline_at__lte=now + rule.reminder_lead())
        for item in items.select_related(*rule.related).order_by("deadline_at", "pk")[:ITEM_LIMIT]:
            subject = rule.describe(item)
            rows.append(BoardRow(rule.label, subject.title, subject.link, item.deadline_at, item.deadline_at < now))
    return sorted(rows, key=lambda row: row.due_at)


@dataclass(frozen=True)
class HistoryRow:
    breach: Breach
    rule: str
    title: str
    link: str


def breach_history(
    rules: list[Rule], *, facility_id: int, officer_id: int | None = None, limit: int = HISTORY_LIMIT
) -> list[HistoryRow]:
    """The centre's (or the officer's) recorded breaches, newest first: one query, and one more per rule
    among them for the objects' names."""
    breaches = Breach.objects.filter(
        facility_id=facility_id, kind=Breach.Kind.BREACH, rule__in=[rule.name for rule in rules]
    )
    if officer_id is not None:
        breaches = breaches.filter(responsible_id=officer_id)
    breaches = list(breaches.order_by("-recorded_at", "-id")[:limit])
    objects = {}
    for name in {breach.rule for breach in breaches}:
        if name in RULES:
            ids = [breach.object_id for breach in breaches if breach.rule == name]
            objects[name] = RULES[name].model._default_manager.select_related(*RULES[name].related).in_bulk(ids)
    rows = []
    for breach in breaches:
        known = RULES.get(breach.rule)
        item = objects.get(breach.rule, {}).get(breach.object_id)
        # Named only while the object is still the centre's: after a transfer the person is another
        # centre's, whose records this centre no longer sees.
        if known is not None and item is not None and getattr(item, known.facility) == facility_id:
            subject = known.describe(item)
            title, link = subject.title, subject.link
        else:
            title, link = gettext("（已不在本所）"), ""
        rows.append(HistoryRow(breach, known.label if known else breach.rule, title, link))
    return rows


@dataclass(frozen=True)
class CentreCounts:
    centre: Organization
    cells: list[str]  # in the order of the table's columns; "<5" where suppressed


def shown_count(n: int) -> str:
    """A count as a supervisor may see it: 1 to 4 are suppressed (DESIGN.md §5)."""
    return f"<{SUPPRESS_BELOW}" if 0 < n < SUPPRESS_BELOW else str(n)


def region_counts(
    rules: list[Rule], now: datetime, *, centres: list[Organization], states: list[str]
) -> list[CentreCounts]:
    """Per centre of a region: for each rule and state the number of open deadlines, then the number of
    recorded breaches of those rules; one query per rule and one for the breaches."""
    ids = [centre.pk for centre in centres]
    counts = {rule.name: selectors.counts_per_centre(rule, now, ids) for rule in rules}
    breaches = selectors.breach_counts_per_centre(ids, rules=[rule.name for rule in rules])
    table = []
    for centre in centres:
        cells = [shown_count(counts[rule.name].get(centre.pk, {}).get(state, 0)) for rule in rules for state in states]
        table.append(CentreCounts(centre, [*cells, shown_count(breaches.get(centre.pk, 0))]))
    return table
