"""The tables of allowed status moves of detentions and import logs (CONVENTIONS.md "States")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from detainees.models import Detention, ImportLog
from yaoyao_mediation.states import require_transition


@pytest.mark.parametrize("model", [Detention, ImportLog])
def test_every_status_has_its_row_and_moves_only_to_statuses(model):
    assert set(model.TRANSITIONS) == set(model.Status.values)
    for targets in model.TRANSITIONS.values():
        assert targets <= set(model.Status.values)


def test_a_release_is_final():
    with pytest.raises(ValidationError) as caught:
        require_transition(Detention(status=Detention.Status.RELEASED), Detention.Status.RELEASED, message="此人已出所")
    assert caught.value.messages == ["此人已出所"]
    require_transition(Detention(status=Detention.Status.IN_CUSTODY), Detention.Status.RELEASED)


@pytest.mark.parametrize("status", [ImportLog.Status.DONE, ImportLog.Status.FAILED, ImportLog.Status.DISCARDED])
def test_a_finished_import_does_not_run_again(status):
    with pytest.raises(ValidationError):
        require_transition(ImportLog(status=status), ImportLog.Status.RUNNING)
