"""Delivery.TRANSITIONS lists every status move the dispatcher and the retry make. They are made by
conditional UPDATEs, not by require_transition, so a trigger of this test's transaction records each move
the database sees while a delivery goes through all of them, and each must be in the table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications.dispatch import dispatch_due, release_stale_claims
from notifications.models import Delivery
from notifications.services import Message, notify_organization, retry_delivery

Status = Delivery.Status

RECORD_MOVES = """
CREATE TEMP TABLE delivery_moves (id serial, old text, new text);
CREATE FUNCTION pg_temp.record_delivery_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IS DISTINCT FROM NEW.status THEN
        INSERT INTO delivery_moves (old, new) VALUES (OLD.status, NEW.status);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER record_delivery_move BEFORE UPDATE ON notifications_delivery
    FOR EACH ROW EXECUTE FUNCTION pg_temp.record_delivery_move();
"""


@pytest.mark.django_db
def test_every_move_the_dispatcher_and_the_retry_make_is_in_the_table(
    settings, orgs, justice_webhook, receiver, system_admin
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    receiver.answers = [500, 500, 200]
    delivery = notify_organization(
        "work_order.sent", organization=orgs.justice_bureau, build_message=lambda org: Message(subject="新工单")
    )
    with connection.cursor() as cursor:
        cursor.execute(RECORD_MOVES)
    now = timezone.now()

    dispatch_due(now)  # claimed, then back to pending for a retry
    # A worker that died holding its claim: the claim is released.
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.SENDING, claimed_at=now - timedelta(days=1))
    release_stale_claims(now)
    dispatch_due(now + timedelta(days=1))  # the last attempt fails
    retry_delivery(delivery, acting_user=system_admin)
    dispatch_due(now + timedelta(days=2))  # sent

    with connection.cursor() as cursor:
        cursor.execute("SELECT old, new FROM delivery_moves ORDER BY id")
        moves = cursor.fetchall()
    assert moves == [
        (Status.PENDING, Status.SENDING),
        (Status.SENDING, Status.PENDING),
        (Status.PENDING, Status.SENDING),  # the test's own claim, standing in for the dead worker's
        (Status.SENDING, Status.PENDING),
        (Status.PENDING, Status.SENDING),
        (Status.SENDING, Status.FAILED),
        (Status.FAILED, Status.PENDING),
        (Status.PENDING, Status.SENDING),
        (Status.SENDING, Status.SENT),
    ]
    for old, new in moves:
        assert new in Delivery.TRANSITIONS[old], f"{old} → {new}"


def test_every_delivery_status_has_its_row_and_a_sent_one_is_final():
    assert set(Delivery.TRANSITIONS) == set(Status.values)
    assert Delivery.TRANSITIONS[Status.SENT] == frozenset()
