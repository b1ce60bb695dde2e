"""settings.URL_GROUPS: one process serves only the URL groups of its network zone (DESIGN.md §7)."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client, override_settings
from django.urls import clear_url_caches

from yaoyao_mediation import urls

pytestmark = pytest.mark.django_db


def _load_urls() -> None:
    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def serve():
    """serve("public", ...) rebuilds the URLconf as a process with those groups would; undone afterwards."""

    def rebuild(*groups: str) -> None:
        with override_settings(URL_GROUPS=list(groups)):
            _load_urls()

    yield rebuild
    _load_urls()


def status_codes(paths: list[str]) -> dict[str, int]:
    client = Client()
    return {path: client.get(path).status_code for path in paths}


# The admin sends anonymous visitors to the one sign-in page (302); unserved paths are 404.
PATHS = ["/healthz", "/public/", "/login/", "/admin/login/", "/api/v1/auth/token/", "/api/schema/"]
SERVED_BY_DEFAULT = {"/admin/login/": 302, "/api/v1/auth/token/": 405}


@pytest.mark.parametrize(
    "group, served",
    [
        ("public", {"/healthz": 200, "/public/": 200}),
        ("staff", {"/healthz": 200, "/login/": 200, "/admin/login/": 302}),
        # The token endpoint is there but takes only POST.
        ("partner", {"/healthz": 200, "/api/v1/auth/token/": 405, "/api/schema/": 200}),
    ],
)
def test_it_serves_only_the_configured_group(serve, group, served):
    serve(group)

    assert status_codes(PATHS) == {path: served.get(path, 404) for path in PATHS}


def test_it_serves_every_group_by_default(db):
    assert status_codes(PATHS) == {path: SERVED_BY_DEFAULT.get(path, 200) for path in PATHS}
