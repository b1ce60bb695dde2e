"""The read-access log: one helper that views call when they show sensitive data."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import ProtectedError

from audit.models import AccessLog
from audit.services import record_access


def test_record_access_writes_who_read_what_from_where(officer_a, room, rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/detainees/7/id-number/?q=330281", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    request.user = officer_a

    row = record_access(request, room, AccessLog.Action.SHOW_FULL_ID_NUMBER, reason="核对身份")

    row = AccessLog.objects.get(pk=row.pk)
    assert row.user == officer_a
    assert row.address == "192.0.2.44"
    assert row.path == "/detainees/7/id-number/"  # no query string: it may carry search terms
    assert row.action == AccessLog.Action.SHOW_FULL_ID_NUMBER
    assert (row.content_type, row.object_id) == (ContentType.objects.get_for_model(room), str(room.pk))
    assert row.reason == "核对身份"
    assert row.created_at is not None


def test_an_export_of_many_records_is_logged_without_an_object(officer_a, rf):
    request = rf.get("/exports/detentions.xlsx")
    request.user = officer_a

    row = record_access(request, None, AccessLog.Action.EXPORT, reason="2026 年 1 月入所名单")

    assert (row.content_type, row.object_id, row.action) == (None, "", "export")


def test_a_user_with_logged_reads_cannot_be_deleted(officer_a, room, rf):
    request = rf.get("/detainees/7/")
    request.user = officer_a
    record_access(request, room, AccessLog.Action.OPEN_HEALTH_CHECK)

    with pytest.raises(ProtectedError):
        officer_a.delete()
