"""What each audience may see of a case (DESIGN.md §5): one field set per audience and record.

The revised Public Security Administration Punishment Law seals records of detention, so what leaves
the centre is a whitelist, written here once and read by the pages, the API serializers, the PDFs and
the notifications of every app (disputes' session page and API today; referrals and the public page
next). A field added to a model reaches an audience only when it is added here.

Audiences:
- CENTRE: officers and leaders of the centre that holds the record: all of it.
- COURT: court staff of the court a session or confirmation is addressed to: the detention facts a
  court schedules and hears a case around (kind, admission, scheduled and actual release); not the
  decision, offence, handling unit, cell, health data, nor a leader's override (its reasons speak of
  the release and the health check).
- SEALED: volunteers, the stationed court mediator and state agencies' staff invited to a session,
  who work inside the centre under a confidentiality undertaking: its logistics (time, room, the
  person's name, the dispute), never the detention record.
- PARTNER: staff of a non-state organization (law firm, counselling centre, ...): the dispute and the
  parties; nothing that says anyone is or was detained, no health data. Sessions show them the sealed
  logistics, as to SEALED: a meeting they join in the centre's room is no news to them.
- PUBLIC: the public page: nothing of any case; never whether anyone is detained.

Field sets name model fields (or serializer field names where the API renames one) as strings, so this
module imports no app above accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from accounts.access import current_membership
from accounts.models import CENTRE_ROLES, Role


class Audience(StrEnum):
    CENTRE = "centre"
    COURT = "court"
    SEALED = "sealed"
    PARTNER = "partner"
    PUBLIC = "public"


def audience_of(user) -> Audience:
    """The audience a signed-in user belongs to, by role and organization; PUBLIC for anyone else
    (supervisors and administrators see no case record through these paths)."""
    membership = current_membership(user)
    if membership is None:
        return Audience.PUBLIC
    role = Role(membership.role)
    if role in CENTRE_ROLES:
        return Audience.CENTRE
    if role == Role.COURT_STAFF:
        return Audience.COURT
    if role == Role.AGENCY_STAFF and not membership.organization.is_state_organ:
        return Audience.PARTNER
    if role in {Role.COURT_MEDIATOR, Role.VOLUNTEER, Role.AGENCY_STAFF}:
        return Audience.SEALED
    return Audience.PUBLIC


# Audiences that see only a session's logistics (the sealed view of a session).
SESSION_LOGISTICS_ONLY = frozenset({Audience.SEALED, Audience.PARTNER})


def sees_logistics_only(user) -> bool:
    return audience_of(user) in SESSION_LOGISTICS_ONLY


# --- a detention ------------------------------------------------------------------------------------

DETENTION: dict[Audience, tuple[str, ...]] = {
    Audience.CENTRE: (
        "id",
        "kind",
        "decision_number",
        "handling_unit",
        "reason",
        "cell",
        "admitted_at",
        "scheduled_release_at",
        "released_at",
    ),
    Audience.COURT: ("kind", "admitted_at", "scheduled_release_at", "released_at"),
    Audience.SEALED: (),
    Audience.PARTNER: (),
    Audience.PUBLIC: (),
}


@dataclass(frozen=True)
class DetentionFacts:
    """The court's field set of one detention, and the kind's label, for the session page (which
    shows it to the centre's staff too: the centre reads the whole record on the detention's page)."""

    kind: str
    admitted_at: datetime
    scheduled_release_at: datetime
    released_at: datetime | None
    kind_label: str


def detention_facts(detention) -> DetentionFacts:
    return DetentionFacts(
        **{name: getattr(detention, name) for name in DETENTION[Audience.COURT]},
        kind_label=detention.get_kind_display(),
    )


# --- a dispute lead, as a session or a work order shows it -------------------------------------------

LEAD: dict[Audience, tuple[str, ...]] = {
    Audience.CENTRE: ("category", "summary"),
    Audience.COURT: ("category", "summary"),
    Audience.SEALED: ("category", "summary"),
    Audience.PARTNER: ("category", "summary"),
    Audience.PUBLIC: (),
}

# --- a mediation session -----------------------------------------------------------------------------

SESSION: dict[Audience, tuple[str, ...]] = {
    Audience.CENTRE: (
        "id",
        "lead",
        "dispute",
        "person",
        "detention",
        "mode",
        "status",
        "room",
        "court",
        "starts_at",
        "ends_at",
        "topic",
        "participants",
        "guests",
        "minutes",
        "result",
        "next_steps",
        "scheduled_by",
        "override_reasons",
        "override_by",
        "override_note",
        "cancelled_at",
        "cancel_reason",
        "created_at",
        "updated_at",
    ),
    # The centre's record without the leader's override.
    Audience.COURT: (
        "id",
        "lead",
        "dispute",
        "person",
        "detention",
        "mode",
        "status",
        "room",
        "court",
        "starts_at",
        "ends_at",
        "topic",
        "participants",
        "guests",
        "minutes",
        "result",
        "next_steps",
        "scheduled_by",
        "cancelled_at",
        "cancel_reason",
        "created_at",
        "updated_at",
    ),
    Audience.SEALED: (
        "id",
        "starts_at",
        "ends_at",
        "mode",
        "status",
        "room_name",
        "person_name",
        "dispute",
        "participants",
        "guests",
    ),
    Audience.PUBLIC: (),
}
SESSION[Audience.PARTNER] = SESSION[Audience.SEALED]


# --- a work order (referrals) -------------------------------------------------------------------------


def work_order_audience(user) -> Audience:
    """Who reads a work order: the centre that sent it (CENTRE); the staff of a state organ it is
    addressed to (court, enforcement bureau, justice bureau, police station, township), who get the
    detention facts a court gets (COURT, DESIGN.md §5: "with the detention facts needed for the case");
    the staff of a non-state organization (PARTNER). Nobody else reads work orders."""
    membership = current_membership(user)
    if membership is None:
        return Audience.PUBLIC
    role = Role(membership.role)
    if role in CENTRE_ROLES:
        return Audience.CENTRE
    if role in {Role.COURT_STAFF, Role.AGENCY_STAFF}:
        return Audience.COURT if membership.organization.is_state_organ else Audience.PARTNER
    return Audience.PUBLIC


def audience_of_organization(organization) -> Audience:
    """The audience of a partner organization as a whole (its webhook, its digest)."""
    return Audience.COURT if organization.is_state_organ else Audience.PARTNER


# Names of a work order's parts (referrals.disclosed builds them). "sender" is the centre's name to the
# centre and to state organs, and settings.WORK_ORDER_SENDER_LABEL to a non-state partner; "person_name"
# is the name recorded at intake, "detention_facts" the court's set of the detention (DETENTION[COURT]).
_WORK_ORDER_COMMON = (
    "id",
    "kind",
    "summary",
    "status",
    "sender",
    "partner",
    "lead_category",
    "amount_at_stake",
    "court_case_number",
    "parties",
    "documents",
    "sent_at",
    "receipt_due_at",
    "received_at",
    "started_at",
    "feedback_due_at",
    "feedback_at",
    "outcome",
    "result_summary",
    "agreed_amount",
    "paid_amount",
    "feedbacks",
    "closed_at",
    "rating",
    "returned_at",
    "return_reason",
    "cancelled_at",
    "cancel_reason",
    "messages",
    "events",
)
WORK_ORDER: dict[Audience, tuple[str, ...]] = {
    Audience.CENTRE: (
        *_WORK_ORDER_COMMON,
        "person_name",
        "detention",
        "detention_facts",
        "lead",
        "consent",
        "is_handover",
        "proposal_reason",
        "sent_by",
        "grants",
    ),
    Audience.COURT: (*_WORK_ORDER_COMMON, "person_name", "detention_facts"),
    # No person's intake record, no detention fact, no centre: the dispute and its parties only.
    Audience.PARTNER: _WORK_ORDER_COMMON,
    Audience.SEALED: (),
    Audience.PUBLIC: (),
}

# A party of the dispute as a work order shows it. A non-state partner sees a phone number or an
# address only where the party's consent shares it (referrals.disclosed).
WORK_ORDER_PARTY: dict[Audience, tuple[str, ...]] = {
    Audience.CENTRE: ("name", "side", "relation", "phone", "address"),
    Audience.COURT: ("name", "side", "relation", "phone", "address"),
    Audience.PARTNER: ("name", "side", "phone", "address"),
    Audience.SEALED: (),
    Audience.PUBLIC: (),
}

# Which of the case's documents may be attached to a work order for each audience: never the health
# report outside the centre, and to a non-state partner nothing that shows a detention (the decision).
WORK_ORDER_DOCUMENT_KINDS: dict[Audience, frozenset[str]] = {
    Audience.CENTRE: frozenset({"decision_notice", "legal_document", "health_report", "agreement", "other"}),
    Audience.COURT: frozenset({"decision_notice", "legal_document", "agreement", "other"}),
    Audience.PARTNER: frozenset({"legal_document", "agreement", "other"}),
    Audience.SEALED: frozenset(),
    Audience.PUBLIC: frozenset(),
}
