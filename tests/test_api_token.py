"""Token sign-in for partner systems, the who-am-I endpoint, and the offline OpenAPI documents."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.conftest import PASSWORD


def obtain_token(username: str, password: str):
    return Client().post("/api/v1/auth/token/", {"username": username, "password": password})


def test_it_issues_a_token_for_the_right_credentials(justice_clerk):
    response = obtain_token(justice_clerk.username, PASSWORD)

    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{40}", response.json()["token"])


def test_it_issues_the_same_token_on_a_second_sign_in(justice_clerk):
    first = obtain_token(justice_clerk.username, PASSWORD).json()
    second = obtain_token(justice_clerk.username, PASSWORD).json()

    assert first == second


@pytest.mark.parametrize("username, password", [("yy_justice", "wrong-password"), ("nobody", PASSWORD)])
def test_it_refuses_wrong_credentials(justice_clerk, username, password):
    response = obtain_token(username, password)

    assert response.status_code == 400
    assert "token" not in response.json()


def test_it_answers_who_the_token_belongs_to(justice_clerk):
    token = obtain_token(justice_clerk.username, PASSWORD).json()["token"]

    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert response.json() == {
        "username": "yy_justice",
        "full_name": "周司法",
        "organization": "余姚市司法局",
        "organization_code": "330281-SFJ",
        "role": "agency_staff",
    }


@pytest.mark.parametrize("authorization", [None, "Token 0000000000000000000000000000000000000000"])
def test_it_refuses_a_request_without_a_valid_token(db, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = Client().get("/api/v1/me/", **headers)

    # TokenAuthentication comes first, so DRF answers 401 with a WWW-Authenticate challenge.
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_it_publishes_an_openapi_document_with_the_auth_paths(db):
    response = Client().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/me/"} <= set(document["paths"])


def test_it_serves_the_api_docs_without_anything_from_the_internet(db):
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    scripts = re.findall(r"<script[^>]*\bsrc=[\"']([^\"']+)", page)
    stylesheets = re.findall(r"<link[^>]*\bhref=[\"']([^\"']+)", page)
    assert scripts, "the docs page loads Swagger UI from somewhere"
    external = [url for url in scripts + stylesheets if re.match(r"(https?:)?//", url)]
    assert external == []
