"""Sign-in lockout (QUALITY.md R7, DESIGN.md §5): django-axes locks one username from one client
address after LOGIN_FAILURE_LIMIT failures; other usernames and other addresses are not affected, the
address is the trusted one (a forged X-Forwarded-For does not escape), and nothing tells a known
username from an unknown one."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD

ATTACKER = "198.51.100.7"
LOCKED_TEXT = "登录已暂时锁定"


def sign_in(client: Client, username: str, password: str, **headers):
    return client.post("/login/", {"username": username, "password": password}, **headers)


def fail(client: Client, username: str, times: int, **headers) -> list:
    return [sign_in(client, username, "wrong-password", **headers) for _ in range(times)]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def comparable(response, username: str) -> str:
    """The page without what differs by construction: the per-render CSRF mask and the typed username."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', text)
    return text.replace(username, "USERNAME")


def test_the_fifth_failure_locks_the_username_at_that_address(settings, officer_a):
    attacker = Client(REMOTE_ADDR=ATTACKER)

    answers = fail(attacker, officer_a.username, settings.AXES_FAILURE_LIMIT)

    assert settings.AXES_FAILURE_LIMIT == 5
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert LOCKED_TEXT not in answers[3].content.decode()
    assert LOCKED_TEXT in answers[4].content.decode()


def test_the_sixth_attempt_is_refused_even_with_the_right_password(officer_a):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    fail(attacker, officer_a.username, 5)

    sixth = sign_in(attacker, officer_a.username, PASSWORD)

    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert LOCKED_TEXT in page
    assert "请在 30 分钟后再试，或请系统管理员解锁。" in page  # Chinese, not axes' English default
    assert "Account locked" not in page
    assert sixth["Retry-After"] == "1800"
    assert not signed_in(attacker)


def test_the_lockout_holds_only_that_username_at_that_address(officer_a, officer_b):
    """Both limits apply to the login page: the address limiter (20 POSTs) lets these through, the
    lockout refuses the sixth attempt of yy_officer from ATTACKER and nothing else."""
    attacker = Client(REMOTE_ADDR=ATTACKER)
    fail(attacker, officer_a.username, 5)
    assert sign_in(attacker, officer_a.username, PASSWORD).status_code == 429

    colleague_same_address = Client(REMOTE_ADDR=ATTACKER)
    assert sign_in(colleague_same_address, officer_b.username, PASSWORD).status_code == 302
    assert signed_in(colleague_same_address)

    owner_elsewhere = Client(REMOTE_ADDR="203.0.113.20")
    assert sign_in(owner_elsewhere, officer_a.username, PASSWORD).status_code == 302
    assert signed_in(owner_elsewhere)

    assert sign_in(Client(REMOTE_ADDR=ATTACKER), officer_a.username, PASSWORD).status_code == 429


def test_fewer_failures_than_the_limit_lock_nothing_and_a_success_clears_them(officer_a):
    client = Client(REMOTE_ADDR=ATTACKER)
    fail(client, officer_a.username, 4)

    assert sign_in(client, officer_a.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=officer_a.username).exists()
    again = Client(REMOTE_ADDR=ATTACKER)
    assert [a.status_code for a in fail(again, officer_a.username, 4)] == [200] * 4  # counting starts over


def test_a_forged_forwarded_for_does_not_escape_the_lockout_without_proxies(settings, officer_a):
    settings.TRUSTED_PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        sign_in(attacker, officer_a.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    refused = sign_in(attacker, officer_a.username, PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_a_forged_forwarded_for_does_not_escape_the_lockout_behind_one_proxy(settings, officer_a, officer_b):
    settings.TRUSTED_PROXY_COUNT = 1
    via_proxy = Client(REMOTE_ADDR="10.1.1.1")  # our nginx
    for n in range(5):
        # The client invents the left entry; nginx appends the address it really saw.
        sign_in(via_proxy, officer_a.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, {ATTACKER}")

    refused = sign_in(via_proxy, officer_a.username, PASSWORD, HTTP_X_FORWARDED_FOR=f"10.9.9.99, {ATTACKER}")
    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}

    # Another client behind the same proxy is a different address: not locked.
    neighbour = Client(REMOTE_ADDR="10.1.1.1")
    assert sign_in(neighbour, officer_a.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 302


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(officer_a):
    known = sign_in(Client(REMOTE_ADDR=ATTACKER), officer_a.username, "wrong-password")
    unknown = sign_in(Client(REMOTE_ADDR=ATTACKER), "no_such_user", "wrong-password")

    assert known.status_code == unknown.status_code == 200
    assert "请输入一个正确的用户名和密码" in known.content.decode()
    assert comparable(known, officer_a.username) == comparable(unknown, "no_such_user")


def test_a_known_and_an_unknown_username_are_locked_alike(officer_a):
    known_client, unknown_client = Client(REMOTE_ADDR=ATTACKER), Client(REMOTE_ADDR=ATTACKER)
    known = fail(known_client, officer_a.username, 5) + [sign_in(known_client, officer_a.username, PASSWORD)]
    unknown = fail(unknown_client, "no_such_user", 6)

    assert [a.status_code for a in known] == [a.status_code for a in unknown] == [200] * 4 + [429, 429]
    for mine, theirs in zip(known, unknown, strict=True):
        assert comparable(mine, officer_a.username) == comparable(theirs, "no_such_user")
        assert mine.get("Retry-After") == theirs.get("Retry-After")


@pytest.mark.parametrize("how", ["command", "admin"])
def test_an_administrator_unlocks_a_username(how, officer_a, system_admin, client_for):
    fail(Client(REMOTE_ADDR=ATTACKER), officer_a.username, 5)
    assert sign_in(Client(REMOTE_ADDR=ATTACKER), officer_a.username, PASSWORD).status_code == 429

    if how == "command":
        call_command("axes_reset_username", officer_a.username)
    else:
        admin = client_for(system_admin)
        attempt = AccessAttempt.objects.get(username=officer_a.username)
        listing = admin.get("/admin/axes/accessattempt/")
        assert listing.status_code == 200
        assert officer_a.username in listing.content.decode()
        deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 302

    owner = Client(REMOTE_ADDR=ATTACKER)
    assert sign_in(owner, officer_a.username, PASSWORD).status_code == 302
    assert signed_in(owner)


def test_the_lockout_page_is_translated(officer_a):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    attacker.cookies["django_language"] = "en"
    fail(attacker, officer_a.username, 5)

    page = sign_in(attacker, officer_a.username, PASSWORD).content.decode()

    assert "Sign-in temporarily locked" in page
    assert "try again in 30 minutes" in page


def test_the_lockout_covers_the_api_token_sign_in_too(officer_a):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    fail(attacker, officer_a.username, 3)  # on the login page
    for _ in range(2):
        api = attacker.post("/api/v1/auth/token/", {"username": officer_a.username, "password": "wrong-password"})
        assert api.status_code == 400

    refused = attacker.post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD})

    assert refused.status_code == 400
    assert "token" not in refused.json()
    assert sign_in(attacker, officer_a.username, PASSWORD).status_code == 429
    elsewhere = Client(REMOTE_ADDR="203.0.113.20")
    assert (
        "token" in elsewhere.post("/api/v1/auth/token/", {"username": officer_a.username, "password": PASSWORD}).json()
    )
