"""Fixtures of the audit tests: a room (a tracked model of another app) and a reader of the trail."""

from __future__ import annotations

import pytest
from django.db import models

from disputes.models import Room


@pytest.fixture
def room(orgs) -> Room:
    return Room.objects.create(facility=orgs.centre_a, name="调解室一")


@pytest.fixture
def trail():
    """trail(obj) -> the events of `obj`, oldest first."""

    def events(obj: models.Model) -> list:
        return list(type(obj).pgh_event_model.objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id"))

    return events
