"""Every stateful model of disputes has one TRANSITIONS table, checked by
yaoyao_mediation.states.require_transition inside the services' locked transactions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from disputes import services
from disputes.models import DisputeLead, JudicialConfirmation, MediationSession, ResolutionPlan
from yaoyao_mediation.states import require_transition

from .conftest import SESSION_START

STATEFUL = [DisputeLead, ResolutionPlan, MediationSession, JudicialConfirmation]


@pytest.mark.parametrize("model", STATEFUL, ids=lambda model: model.__name__)
def test_the_table_names_every_state_and_only_states(model):
    states = set(model.Status.values)

    assert set(model.TRANSITIONS) == states
    for allowed in model.TRANSITIONS.values():
        assert allowed <= states


def test_a_move_off_the_table_is_refused_with_the_callers_message():
    confirmation = JudicialConfirmation(status=JudicialConfirmation.Status.CONFIRMED)

    with pytest.raises(ValidationError) as caught:
        require_transition(confirmation, JudicialConfirmation.Status.REFUSED, message="该申请已处理（已确认）")

    assert caught.value.messages == ["该申请已处理（已确认）"]
    assert caught.value.code == "transition"
    require_transition(JudicialConfirmation(), JudicialConfirmation.Status.REFUSED)  # requested → refused


def test_a_held_session_is_not_cancelled(session_booked, officer_a):
    services.record_session_result(
        session_booked, minutes="双方同意分期履行", result="agreed", acting_user=officer_a, now=SESSION_START
    )

    with pytest.raises(ValidationError, match="已举行的调解不能取消"):
        services.cancel_session(session_booked, reason="误操作", acting_user=officer_a, now=SESSION_START)

    session_booked.refresh_from_db()
    assert session_booked.status == MediationSession.Status.HELD


def test_a_cancelled_session_gets_no_result(session_booked, officer_a):
    services.cancel_session(session_booked, reason="当事人临时无法到场", acting_user=officer_a)

    with pytest.raises(ValidationError, match="已取消的调解不能记录结果"):
        services.record_session_result(
            session_booked, minutes="……", result="agreed", acting_user=officer_a, now=SESSION_START
        )

    session_booked.refresh_from_db()
    assert (session_booked.status, session_booked.minutes) == (MediationSession.Status.CANCELLED, "")


def test_the_result_of_a_held_session_may_be_corrected(session_booked, officer_a):
    services.record_session_result(
        session_booked, minutes="双方同意分期履行", result="agreed", acting_user=officer_a, now=SESSION_START
    )

    session = services.record_session_result(
        session_booked, minutes="双方部分同意", result="partly_agreed", acting_user=officer_a, now=SESSION_START
    )

    assert (session.status, session.result) == (MediationSession.Status.HELD, "partly_agreed")
