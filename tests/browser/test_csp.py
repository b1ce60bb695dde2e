"""The Content-Security-Policy in a real browser (QUALITY.md R1): chromium reports no violation on the
login page, signed-in staff pages with htmx, and the Swagger UI, which still renders."""

from __future__ import annotations

import pytest

from .conftest import BROWSER_MISSING

pytestmark = [
    pytest.mark.needs_system_package,
    pytest.mark.skipif(BROWSER_MISSING is not None, reason=BROWSER_MISSING or ""),
    pytest.mark.django_db(transaction=True),
]


def record_violations(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    return violations


def test_the_pages_run_under_the_policy_without_a_violation(new_context, officer_a):
    page = new_context().new_page()
    violations = record_violations(page)

    page.goto("/login/")
    page.get_by_label("用户名", exact=True).fill(officer_a.username)
    page.get_by_label("密码", exact=True).fill("Yaoyao-Test-2026!")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.locator(".who-name").wait_for()
    assert page.evaluate("typeof htmx") == "object"  # the static htmx ran
    page.goto("/inbox/")
    page.locator("main").wait_for()

    assert violations == []


def test_the_swagger_ui_renders_under_its_narrow_exception(new_context):
    page = new_context().new_page()
    violations = record_violations(page)

    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()

    assert page.locator(".opblock").count() > 5
    assert violations == []


def test_an_inline_script_would_be_refused(new_context):
    """The check above can fail: a script injected into a page of ours is blocked and reported."""
    page = new_context().new_page()
    violations = record_violations(page)
    page.goto("/login/")

    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.head.appendChild(s); }"
    )

    assert page.evaluate("window.injected") is None
    page.wait_for_timeout(200)
    assert any("script-src" in text for text in violations)
