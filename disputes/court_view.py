"""What court staff see of a session's detention (DESIGN.md §5): "the sessions addressed to them, with the
detention facts needed for the case". A court schedules and hears a case around the person's custody
(when it began, when it ends or ended, and of which kind it is); the decision, the offence, the handling
unit, the cell and health data are the centre's and stay there, as do the leader's overrides, whose
reasons and note speak of the release and the health check.

COURT_DETENTION_FIELDS is the one definition: the API's CourtSessionSerializer takes its fields from
it, and the session page shows the detention through DetentionFacts, built from it, to court staff and
centre staff alike (the centre reads the whole record on the detention's own page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.access import user_role
from accounts.models import Role
from detainees.models import Detention

COURT_DETENTION_FIELDS = ("kind", "admitted_at", "scheduled_release_at", "released_at")


def is_court_viewer(user) -> bool:
    return user_role(user) == Role.COURT_STAFF


@dataclass(frozen=True)
class DetentionFacts:
    """COURT_DETENTION_FIELDS of one detention, and the kind's label for the page."""

    kind: str
    admitted_at: datetime
    scheduled_release_at: datetime
    released_at: datetime | None
    kind_label: str


def detention_facts(detention: Detention) -> DetentionFacts:
    return DetentionFacts(
        **{name: getattr(detention, name) for name in COURT_DETENTION_FIELDS},
        kind_label=detention.get_kind_display(),
    )
