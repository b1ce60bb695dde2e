"""/api/v1/followups/: scoped like the pages; the evaluation and a visit through the services, with the
same refusals."""

from __future__ import annotations

import time_machine
from rest_framework.test import APIClient

from followups.models import Evaluation, Visit
from tests.detainees.conftest import local

NOW = local(2026, 3, 10, 9, 0)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_and_detail_are_the_centres_own(released, officer_a, officer_b, court_staff):
    rows = api(officer_a).get("/api/v1/followups/").json()["results"]
    assert [row["id"] for row in rows] == [released.pk]
    detail = api(officer_a).get(f"/api/v1/followups/{released.pk}/").json()
    assert detail["status"] == "open" and detail["evaluation"] is None and len(detail["scheduled_visits"]) == 2
    assert detail["evaluation_due_at"] == "2026-03-13T23:59:59.999999+08:00"

    assert api(officer_b).get("/api/v1/followups/").json()["results"] == []
    assert api(officer_b).get(f"/api/v1/followups/{released.pk}/").status_code == 404
    assert api(officer_b).post(f"/api/v1/followups/{released.pk}/visits/", {}, format="json").status_code == 404
    assert api(court_staff).get("/api/v1/followups/").status_code == 403


def test_an_evaluation_through_the_api_is_stored_once(released, officer_a):
    url = f"/api/v1/followups/{released.pk}/evaluation/"
    with time_machine.travel(NOW, tick=False):
        bad = api(officer_a).post(url, {"stability": "stable", "satisfaction": 6}, format="json")
        before = api(officer_a).post(
            url, {"stability": "stable", "satisfaction": 4, "evaluated_at": "2026-03-05T09:00:00+08:00"}, format="json"
        )
        first = api(officer_a).post(url, {"stability": "stable", "satisfaction": 4}, format="json")
        second = api(officer_a).post(url, {"stability": "relapsed", "satisfaction": 1}, format="json")

    assert bad.status_code == 400 and bad.json()["satisfaction"] == ["满意度应为 1 至 5 分"]
    assert before.status_code == 400 and before.json()["evaluated_at"] == ["评估时间不能早于出所时间"]
    assert first.status_code == 201 and first.json()["evaluation"]["satisfaction"] == 4
    assert second.status_code == 409
    assert Evaluation.objects.get().stability == "stable"


def test_a_visit_through_the_api(released, officer_a):
    url = f"/api/v1/followups/{released.pk}/visits/"
    visit = {
        "channel": "phone",
        "visited_at": "2026-03-09T10:00:00+08:00",
        "contact": "informed",
        "notes": "电话回访村委会",
    }
    with time_machine.travel(NOW, tick=False):
        future = api(officer_a).post(url, {**visit, "visited_at": "2026-03-11T10:00:00+08:00"}, format="json")
        done = api(officer_a).post(url, visit, format="json")

    assert future.status_code == 400 and future.json()["visited_at"] == ["回访时间不能晚于当前时间"]
    assert done.status_code == 201 and done.json()["visits"][0]["channel"] == "phone"
    assert Visit.objects.count() == 1
