"""Every write to disputes, one module per sub-domain: leads (and their outcome), plans, sessions (room
booking), agreements (and judicial confirmation), roster (rooms and volunteers), transfers. Each service
is one transaction; refused input raises ValidationError with a Chinese message and saves nothing.
Views, the API, commands and tests all call these functions, through the names exported here
(`from disputes import services; services.open_lead(...)`).

The modules import downward only: guards, courts and cancellations below leads; leads below plans,
sessions and agreements; roster below sessions."""

from .agreements import (
    SignatoryInput,
    decide_judicial_confirmation,
    request_judicial_confirmation,
    save_agreement,
)
from .courts import COURT_KINDS
from .leads import (
    OutcomeInput,
    PartyInput,
    add_party,
    move_lead,
    open_lead,
    record_outcome,
    remove_party,
    update_lead,
)
from .plans import REGION_KINDS, review_plan, save_plan
from .roster import WEEKDAY_NAMES, availability_text, enrol_volunteer, save_room
from .sessions import (
    BOOKING_CONSTRAINT_MESSAGES,
    CAPACITY_OF_ROLE,
    GRANTED_CAPACITIES,
    MAX_SESSION_LENGTH,
    OVERRIDE_LABELS,
    GuestInput,
    StaffInput,
    add_participant,
    cancel_session,
    override_reasons_for,
    record_no_show,
    record_session_result,
    schedule_session,
)
from .transfers import transfer_detention

__all__ = [
    "BOOKING_CONSTRAINT_MESSAGES",
    "CAPACITY_OF_ROLE",
    "COURT_KINDS",
    "GRANTED_CAPACITIES",
    "MAX_SESSION_LENGTH",
    "OVERRIDE_LABELS",
    "REGION_KINDS",
    "WEEKDAY_NAMES",
    "GuestInput",
    "OutcomeInput",
    "PartyInput",
    "SignatoryInput",
    "StaffInput",
    "add_participant",
    "add_party",
    "availability_text",
    "cancel_session",
    "decide_judicial_confirmation",
    "enrol_volunteer",
    "transfer_detention",
    "move_lead",
    "open_lead",
    "override_reasons_for",
    "record_no_show",
    "record_outcome",
    "record_session_result",
    "remove_party",
    "request_judicial_confirmation",
    "review_plan",
    "save_agreement",
    "save_plan",
    "save_room",
    "schedule_session",
    "update_lead",
]
