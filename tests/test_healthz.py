"""/healthz: 200 while the database answers; the broker's state in the body, never in the status."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

from yaoyao_mediation import health

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "broker": "up"}
    assert "no-cache" in response["Cache-Control"]


def test_it_stays_up_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "broker": "down"}


def test_it_reports_a_missing_filesystem_queue_as_broker_down(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}

    assert client.get("/healthz").json()["broker"] == "down"


def test_it_answers_503_when_the_database_is_down(client, monkeypatch):
    unreachable = mock.Mock()
    unreachable.cursor.side_effect = OperationalError("could not connect to server")
    monkeypatch.setattr(health, "connection", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "down"
    unreachable.cursor.assert_called_once()


def test_it_answers_only_get(client):
    assert client.post("/healthz").status_code == 405
