"""A deadline rule: what each app's deadlines.py declares, and sweeps.services.sweep enforces.

A rule names the rows whose deadline is still open (the condition of a partial index on the due-time
column), that column, where the row's centre and responsible officer are, and how one row is named in
a notice and on the board. Adding a rule is one `Rule(...)` in its app's deadlines.py, one partial index
on its due-time column, and one line in casework.deadlines.RULES (the list sits above every app, so
that no lower app keeps a list that a higher one fills in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Expression, F, Model, QuerySet


@dataclass(frozen=True)
class Subject:
    """How a notice and the board name one row: a title (what centre staff may see) and its page."""

    title: str
    link: str


def default_reminder_lead() -> timedelta:
    return settings.DEADLINE_REMINDER_LEAD


@dataclass(frozen=True)
class Rule:
    name: str  # stored on every Breach row: never rename one
    label: str  # shown on the board and in notices ("入所评估")
    # The rows whose deadline is open: exactly the condition of the partial index that serves the rule.
    open_items: Callable[[], QuerySet]
    due_at: str | Expression  # the due-time column of those rows (or an expression over columns)
    facility: str  # the lookup of the row's centre id
    responsible: str  # the lookup of the responsible officer's id (may be NULL)
    # What a recipient must hold at the row's centre to be told anything (accounts.permissions): the
    # notices name the person, which only that centre's staff may see (yaoyao_mediation.disclosure).
    permission: str
    describe: Callable[[Model], Subject]
    related: tuple[str, ...] = ()  # select_related for describe
    reminder_lead: Callable[[], timedelta] = default_reminder_lead
    # Reminders go to the responsible officer (the centre's leaders when there is none); a rule whose
    # reminder is itself an alarm (the custody clock) tells the leaders too. Breaches always do.
    remind_leaders: bool = False

    @property
    def model(self) -> type[Model]:
        return self.open_items().model

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def items(self) -> QuerySet:
        """The open rows with their deadline's facts under fixed names: deadline_at, deadline_centre,
        deadline_officer."""
        due_at = F(self.due_at) if isinstance(self.due_at, str) else self.due_at
        return self.open_items().annotate(
            deadline_at=due_at, deadline_centre=F(self.facility), deadline_officer=F(self.responsible)
        )
