"""Fixtures of the browser tests: Playwright for Python driving Debian's chromium (never a browser that
`playwright install` downloads), against pytest-django's live server on 127.0.0.1.

Without playwright or /usr/bin/chromium the tests skip, marked needs_system_package, so CI (which
installs both) fails on such a skip. Every wait is bounded (DEFAULT_WAIT_MS, and at most 15 s), and a
page may reach nothing but the live server: any other request is aborted and recorded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.core.files.storage import FileSystemStorage

from disputes.models import Agreement
from tests.conftest import PASSWORD
from tests.detainees.conftest import make_detention  # noqa: F401  (a fixture used by the tests)
from tests.disputes.conftest import rooms  # noqa: F401  (a fixture used by the tests)

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # the tests skip with BROWSER_MISSING
    sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEFAULT_WAIT_MS = 10_000
LONGEST_WAIT_MS = 15_000


def _browser_missing() -> str | None:
    if sync_playwright is None:
        return (
            "Playwright for Python is not installed (pip install '.[dev]'); the browser tests need it and "
            "the system package chromium"
        )
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"the system package chromium is not installed ({CHROMIUM} is missing; Debian: apt-get install chromium)"
    return None


def _pdf_tools_missing() -> str | None:
    if shutil.which("pdftotext") is None:
        return "the system package poppler-utils is not installed (pdftotext is missing)"
    if shutil.which("fc-list") is None:
        return "the system package fonts-wqy-microhei is not installed (no fc-list to find it)"
    families = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, check=False, timeout=15
    ).stdout
    if "WenQuanYi Micro Hei" not in families:
        return "the system package fonts-wqy-microhei is not installed (the CJK font of the PDFs)"
    return None


BROWSER_MISSING = _browser_missing()
PDF_TOOLS_MISSING = _pdf_tools_missing()


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, bound to 127.0.0.1 (its default, "localhost", may resolve to ::1)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless chromium for the package. While Playwright's sync API runs, its event loop is
    running in this thread, so Django's async-unsafe check would refuse the ORM calls of the tests and
    of pytest-django's database teardown: DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time."""
    if BROWSER_MISSING:
        pytest.skip(BROWSER_MISSING)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=LONGEST_WAIT_MS
            )
            try:
                yield launched
            finally:
                launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Watch:
    """What the pages of one test did that they should not: dialogs opened, requests that left the
    live server (aborted)."""

    dialogs: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def new_context(browser, live_server, watch) -> Iterator[Callable[[], BrowserContext]]:
    """new_context() -> a fresh browser context (its own cookies) whose pages talk only to the live
    server; closed at the end of the test."""
    contexts: list[BrowserContext] = []
    origin = live_server.url

    def guard(route) -> None:
        url = route.request.url
        watch.requests.append(url)
        if url == origin or url.startswith(origin + "/"):
            route.continue_()
        else:
            watch.foreign_requests.append(url)
            route.abort()

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=origin, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
        )
        context.set_default_timeout(DEFAULT_WAIT_MS)
        context.set_default_navigation_timeout(LONGEST_WAIT_MS)
        context.route("**/*", guard)
        context.on("page", lambda page: _watch_page(page, watch))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _watch_page(page: Page, watch: Watch) -> None:
    def on_dialog(dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


@pytest.fixture
def signed_in(new_context) -> Callable[..., Page]:
    """signed_in(user) -> a page of a new context, signed in through the real login page (the personas
    have no second factor; a handful of sign-ins stays far below the login rate limit)."""

    def sign_in(user) -> Page:
        page = new_context().new_page()
        page.goto("/login/")
        page.get_by_label("用户名", exact=True).fill(user.username)
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_url(lambda url: "/login/" not in url)
        page.locator(".who-name").filter(has_text=str(user)).wait_for()
        return page

    return sign_in


@pytest.fixture
def pdf_storage(tmp_path, monkeypatch) -> FileSystemStorage:
    """Agreement PDFs stored under a temporary folder instead of the development MEDIA_ROOT."""
    storage = FileSystemStorage(location=tmp_path / "private")
    monkeypatch.setattr(Agreement._meta.get_field("pdf"), "storage", storage)
    return storage


@pytest.fixture
def tasks_in_process():
    """The project's Celery app runs every task in the process that sends it (the request's thread of
    the live server), with errors raised there, instead of writing to a broker outside the test."""
    from yaoyao_mediation.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
