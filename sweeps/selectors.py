"""Reads of the deadline framework: what is due, what to remind, who the leaders are, the board's
figures. `now` always comes from Python (DESIGN.md §4: no SQL now(), so tests can freeze it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Membership, Role

from .models import Breach
from .rules import Rule


def overdue(rule: Rule, now: datetime) -> QuerySet:
    """Open rows whose due time has passed. The deadline itself is still met at its due time."""
    return rule.items().filter(deadline_at__lt=now)


def due_soon(rule: Rule, now: datetime) -> QuerySet:
    """Open rows not yet due whose due time is at most the rule's reminder lead away."""
    return rule.items().filter(deadline_at__gte=now, deadline_at__lte=now + rule.reminder_lead())


def not_recorded(rows: QuerySet, rule: Rule, kind: str) -> QuerySet:
    """`rows` without those whose deadline already has a `kind` row (an anti-join on the unique key
    breach_once_per_deadline), so that a sweep moves on however many times it runs."""
    recorded = Breach.objects.filter(
        rule=rule.name,
        kind=kind,
        object_type=rule.object_type,
        object_id=OuterRef("pk"),
        due_at=OuterRef("deadline_at"),
    )
    return rows.filter(~Exists(recorded))


def leaders_of(facility_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active leaders of each centre, as user ids, in one query."""
    leaders: dict[int, list[int]] = defaultdict(list)
    rows = (
        Membership.objects.filter(
            organization_id__in=set(facility_ids),
            role=Role.CENTRE_LEADER,
            is_active=True,
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("organization_id", "user_id")
    )
    for facility_id, user_id in rows:
        leaders[facility_id].append(user_id)
    return leaders


def counts_per_centre(rule: Rule, now: datetime, facility_ids: list[int]) -> dict[int, dict[str, int]]:
    """{centre id: {"overdue": n, "due_soon": n}} of the rule's open rows, one query (the board of a
    supervisor), read from the due-time column itself so nothing hides while no sweep runs."""
    rows = (
        rule.items()
        .filter(deadline_centre__in=facility_ids, deadline_at__lte=now + rule.reminder_lead())
        .order_by()
        .values("deadline_centre")
        .annotate(
            overdue=Count("pk", filter=Q(deadline_at__lt=now)),
            due_soon=Count("pk", filter=Q(deadline_at__gte=now)),
        )
    )
    return {row["deadline_centre"]: {"overdue": row["overdue"], "due_soon": row["due_soon"]} for row in rows}


def breach_counts_per_centre(facility_ids: list[int], *, rules: list[str]) -> dict[int, int]:
    """{centre id: recorded breaches of `rules`}, one query on breach_facility_idx."""
    breaches = Breach.objects.filter(facility_id__in=facility_ids, kind=Breach.Kind.BREACH, rule__in=rules)
    rows = breaches.order_by().values("facility_id").annotate(n=Count("pk"))
    return {row["facility_id"]: row["n"] for row in rows}
