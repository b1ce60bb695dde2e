"""/api/v1/ lists what the API offers (the README calls it the API root), /favicon.ico is served on
every process, and the public page says only what it offers (issue 11)."""

from __future__ import annotations

from django.test import Client


def test_the_api_root_lists_every_endpoint_with_the_schema_and_docs(db):
    response = Client().get("/api/v1/")

    assert response.status_code == 200
    listing = response.json()
    endpoints = listing["endpoints"]
    assert endpoints["api-lead-list"] == "http://testserver/api/v1/leads/"
    assert endpoints["api-lead-detail"] == "http://testserver/api/v1/leads/{pk}/"
    assert endpoints["api-token"] == "http://testserver/api/v1/auth/token/"
    assert {"api-me", "api-detention-list", "api-session-list", "api-import-detentions"} <= set(endpoints)
    assert (listing["schema"], listing["docs"]) == ("http://testserver/api/schema/", "http://testserver/api/docs/")
    # Each listed list endpoint exists: an anonymous caller is refused, not sent to a 404.
    for name, url in endpoints.items():
        if "{" not in url and name != "api-token":
            assert Client().get(url).status_code in {401, 403}, url


def test_favicon_ico_leads_to_the_icon_in_static(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"


def test_the_public_page_promises_no_application_form(orgs):
    page = Client().get("/public/").content.decode()

    assert "余姚市拘留所" in page
    for promise in ["申请调解", "选择调解员", "预约会见", "查询码"]:
        assert promise not in page
    assert "请联系被拘留人所在的拘留所" in page
