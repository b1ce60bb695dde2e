"""Security headers on every kind of page, under the production profile's settings (QUALITY.md R1).

The production values are read from settings.py itself, started in a fresh interpreter with the
production environment of tests/test_settings.py, and applied here; requests arrive as nginx forwards
them (X-Forwarded-Proto: https), so HSTS is sent as it would be in production.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.test_settings import DATABASE_URL, PRODUCTION, PROJECT_ROOT, SETTINGS_VARIABLES

PRODUCTION_SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CONTENT_SECURITY_POLICY",
]
DUMP = (
    "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'yaoyao_mediation.settings'; django.setup();"
    "from django.conf import settings; import sys;"
    "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}))"
)
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


@pytest.fixture(scope="module")
def production_values() -> dict:
    env = {key: value for key, value in __import__("os").environ.items() if key not in SETTINGS_VARIABLES}
    env.update(PRODUCTION, DATABASE_URL=DATABASE_URL)
    result = subprocess.run(
        [sys.executable, "-c", DUMP, *PRODUCTION_SECURITY_SETTINGS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["DEBUG"] is False
    return values


@pytest.fixture
def production(db, settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    return settings


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def request(client: Client, path: str):
    response = client.get(path, **HTTPS)
    assert response.status_code == 200, (path, response.status_code)
    return response


# (path, who) for a representative page of each kind: staff pages, the login page, the admin, the
# partner API and its documents, /healthz, and the public page.
STAFF_PAGES = [
    ("/login/", None),
    ("/dashboard/officer/", "officer_a"),
    ("/inbox/", "officer_a"),
    ("/password/", "officer_a"),
    ("/organizations/", "supervisor"),
    ("/admin/", "system_admin"),
    ("/audit/events/", "audit_admin"),
]
PARTNER_PAGES = [
    ("/api/v1/me/", "justice_clerk"),
    ("/api/schema/", None),
    ("/api/docs/", None),
]
OTHER_PAGES = [("/healthz", None)]
PUBLIC_PAGES = [("/public/", None)]
ALL_PAGES = STAFF_PAGES + PARTNER_PAGES + OTHER_PAGES + PUBLIC_PAGES


@pytest.mark.parametrize("path, who", ALL_PAGES, ids=[path for path, _ in ALL_PAGES])
def test_every_page_carries_the_security_headers(production, request_fixture, path, who):
    response = request(request_fixture(who), path)
    csp = policy(response)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


PRIVATE_PAGES = STAFF_PAGES + PARTNER_PAGES + OTHER_PAGES


@pytest.mark.parametrize("path, who", PRIVATE_PAGES, ids=[path for path, _ in PRIVATE_PAGES])
def test_private_pages_are_never_stored(production, request_fixture, path, who):
    cache_control = {part.strip() for part in request(request_fixture(who), path)["Cache-Control"].split(",")}

    assert {"no-store", "private"} <= cache_control


def test_the_public_page_keeps_ordinary_caching(production, request_fixture):
    response = request(request_fixture(None), "/public/")

    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_keep_their_own_caching(production, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/vendor/htmx.min.js", **HTTPS)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_plain_http_request_is_sent_to_https(production):
    response = Client().get("/login/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


def test_the_swagger_ui_needs_no_inline_script_and_only_its_own_style(production, request_fixture):
    production.WHITENOISE_USE_FINDERS = True  # the sidecar's files, served as collectstatic would
    production.WHITENOISE_AUTOREFRESH = True
    page = request(request_fixture(None), "/api/docs/")
    html = page.content.decode()
    csp = policy(page)

    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts)
    assert csp["script-src"] == ["'self'"]
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    style_hash = "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"
    assert csp["style-src"] == ["'self'", style_hash]  # the exception is this one stylesheet, nothing more
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3 and all(src.startswith("/") for src in sources)  # same origin, nothing from a CDN
    for src in sources:
        assert request_fixture(None).get(src, **HTTPS).status_code == 200, src
    init = request(request_fixture(None), "/api/docs/?script=")
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


def test_no_other_page_gets_the_swagger_exception(production, request_fixture):
    assert policy(request(request_fixture(None), "/login/"))["style-src"] == ["'self'"]


# --- the templates themselves -----------------------------------------------------------------------

INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"<style\b", re.I), "an inline <style>"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "a style attribute"),
]


def project_templates() -> list[Path]:
    roots = [PROJECT_ROOT / "templates", *PROJECT_ROOT.glob("*/templates")]
    return sorted(path for root in roots for path in root.rglob("*.html") if ".venv" not in path.parts)


def test_no_template_holds_inline_script_or_style():
    templates = project_templates()
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {what}"
        for path in templates
        if "pdf" not in path.parts  # WeasyPrint's agreement PDFs are not served to a browser
        for pattern, what in INLINE_CODE
        if pattern.search(path.read_text())
    ]

    assert len(templates) > 50
    assert found == []


@pytest.fixture
def request_fixture(request, client_for):
    """request_fixture(None) -> an anonymous client; request_fixture("officer_a") -> signed in as it."""

    def make(who: str | None) -> Client:
        return Client() if who is None else client_for(request.getfixturevalue(who))

    return make
