"""The follow-up pages at the HTTP level: the evaluation, visits (with evidence), closing, and the bad
input of issue 12: clear Chinese messages and nothing changed."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from followups.models import Evaluation, FollowUp, ScheduledVisit, Visit, VisitEvidence
from tests.detainees.conftest import local

from .conftest import PNG

NOW = local(2026, 3, 10, 9, 0)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


EVALUATION = {"stability": "stable", "satisfaction": "5", "evaluated_at": "2026-03-09T15:00", "notes": "已回归家庭"}


def test_an_evaluation_is_recorded_once_whatever_the_double_submit(released, officer_a, client_for, frozen):
    client = client_for(officer_a)
    url = f"/followups/{released.pk}/evaluation/"

    first = client.post(url, EVALUATION)
    second = client.post(url, {**EVALUATION, "stability": "at_risk"}, follow=True)

    assert first.status_code == 302
    evaluation = Evaluation.objects.get(followup=released)
    assert (evaluation.stability, evaluation.satisfaction, evaluation.evaluated_by) == ("stable", 5, officer_a)
    assert evaluation.evaluated_at == local(2026, 3, 9, 15, 0)
    assert "该跟踪回访已完成成效评估，不能重复记录" in second.content.decode()
    released.refresh_from_db()
    assert released.status == FollowUp.Status.EVALUATED
    # The evaluation is done: next due is the first further visit.
    assert released.next_due_at == local(2026, 4, 5, 23, 59, 59, 999999)


@pytest.mark.parametrize("satisfaction", ["0", "6", "-1"])
def test_a_satisfaction_outside_1_to_5_is_refused(released, officer_a, client_for, frozen, satisfaction):
    response = client_for(officer_a).post(
        f"/followups/{released.pk}/evaluation/", {**EVALUATION, "satisfaction": satisfaction}
    )

    assert response.status_code == 200
    assert "满意度应为 1 至 5 分" in response.content.decode()
    assert not Evaluation.objects.exists()
    assert FollowUp.objects.get(pk=released.pk).status == FollowUp.Status.OPEN


def test_an_evaluation_dated_before_the_release_is_refused(released, officer_a, client_for, frozen):
    response = client_for(officer_a).post(
        f"/followups/{released.pk}/evaluation/", {**EVALUATION, "evaluated_at": "2026-03-06T09:00"}
    )

    assert response.status_code == 200
    assert "评估时间不能早于出所时间" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_an_evaluation_of_a_person_not_released_is_refused(released, officer_a):
    from django.core.exceptions import ValidationError

    from detainees.models import Detention
    from followups import services

    # Only reachable by a row changed outside the services (the release is final): the service refuses.
    Detention.objects.filter(pk=released.detention_id).update(released_at=None, status="in_custody")
    with pytest.raises(ValidationError, match="此人尚未出所，不能进行成效评估"):
        services.record_evaluation(released, stability="stable", satisfaction=4, acting_user=officer_a, now=NOW)
    assert not Evaluation.objects.exists()


VISIT = {
    "channel": "wechat",
    "visited_at": "2026-03-09T20:00",
    "contact": "party",
    "contact_name": "赵母",
    "satisfaction": "4",
    "notes": "微信视频回访，本人已返岗工作",
}


def test_a_wechat_visit_with_evidence_is_recorded_once(released, officer_a, client_for, frozen, private_media):
    client = client_for(officer_a)
    url = f"/followups/{released.pk}/visits/new/"

    first = client.post(url, {**VISIT, "evidence": SimpleUploadedFile("截图.png", PNG, content_type="image/png")})
    second = client.post(url, {**VISIT, "evidence": SimpleUploadedFile("截图.png", PNG, content_type="image/png")})

    assert first.status_code == second.status_code == 302
    visit = Visit.objects.get(followup=released)
    assert (visit.channel, visit.contact, visit.officer, visit.satisfaction) == ("wechat", "party", officer_a, 4)
    assert VisitEvidence.objects.filter(visit=visit).count() == 1
    # The first further visit is done by it.
    assert list(released.scheduled_visits.values_list("days", "status")) == [(30, "done"), (90, "pending")]
    evidence = visit.evidence.get()
    download = client.get(f"/followups/{released.pk}/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG


def test_a_visit_dated_in_the_future_is_refused(released, officer_a, client_for, frozen):
    response = client_for(officer_a).post(
        f"/followups/{released.pk}/visits/new/", {**VISIT, "visited_at": "2026-03-10T10:00"}
    )

    assert response.status_code == 200
    assert "回访时间不能晚于当前时间" in response.content.decode()
    assert not Visit.objects.exists()
    assert not ScheduledVisit.objects.filter(status="done").exists()


def test_a_visit_with_a_file_that_is_not_a_document_is_refused(released, officer_a, client_for, frozen, private_media):
    fake = SimpleUploadedFile("截图.png", b"<html>not an image</html>", content_type="image/png")
    response = client_for(officer_a).post(f"/followups/{released.pk}/visits/new/", {**VISIT, "evidence": fake})

    assert response.status_code == 200
    assert "只能上传 PDF、JPEG 或 PNG 文件" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_visit_satisfaction_outside_1_to_5_is_refused(released, officer_a, client_for, frozen):
    response = client_for(officer_a).post(f"/followups/{released.pk}/visits/new/", {**VISIT, "satisfaction": "9"})

    assert "满意度应为 1 至 5 分" in response.content.decode()
    assert not Visit.objects.exists()


@pytest.mark.parametrize("path", ["", "evaluation/", "visits/new/", "close/"])
def test_another_centres_followup_is_404_and_unchanged(released, officer_b, client_for, frozen, path):
    client = client_for(officer_b)
    url = f"/followups/{released.pk}/{path}"

    assert client.get(url).status_code == 404
    data = {"evaluation/": EVALUATION, "visits/new/": VISIT, "close/": {"reason": "settled"}}.get(path, {})
    assert client.post(url, data).status_code in {404, 405}
    assert not Visit.objects.exists() and not Evaluation.objects.exists()
    assert FollowUp.objects.get(pk=released.pk).status == FollowUp.Status.OPEN


@pytest.mark.parametrize("role", ["court_staff", "volunteer", "supervisor", "justice_clerk"])
def test_other_roles_are_refused(released, client_for, request, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get("/followups/").status_code == 403
    assert client.get(f"/followups/{released.pk}/").status_code == 403


def test_closing_needs_the_evaluation_then_settles_with_a_reason(released, officer_a, client_for, frozen):
    client = client_for(officer_a)
    url = f"/followups/{released.pk}/close/"

    refused = client.post(url, {"reason": "settled"})
    assert "请先完成成效评估，再结束跟踪回访" in refused.content.decode()
    assert FollowUp.objects.get(pk=released.pk).status == FollowUp.Status.OPEN

    client.post(f"/followups/{released.pk}/evaluation/", EVALUATION)
    other_without_note = client.post(url, {"reason": "other"})
    assert "结束原因为“其他”时请填写说明" in other_without_note.content.decode()

    assert client.post(url, {"reason": "settled", "note": "案结事了"}).status_code == 302
    released.refresh_from_db()
    assert (released.status, released.close_reason, released.next_due_at) == ("closed", "settled", None)
    assert set(released.scheduled_visits.values_list("status", flat=True)) == {"cancelled"}
    after = client.post(f"/followups/{released.pk}/visits/new/", VISIT)
    assert "该跟踪回访已结束，不能再登记回访" in after.content.decode()
    assert not Visit.objects.exists()


def test_the_followup_page_shows_its_evaluation_and_visits(released, officer_a, client_for, frozen):
    client = client_for(officer_a)
    client.post(f"/followups/{released.pk}/evaluation/", EVALUATION)
    client.post(f"/followups/{released.pk}/visits/new/", VISIT)

    html = client.get(f"/followups/{released.pk}/").content.decode()

    assert "稳定" in html and "微信视频回访，本人已返岗工作" in html and "出所后 90 天" in html
