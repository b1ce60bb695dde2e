"""The PostgreSQL rate limiter: N allowed, N+1 refused, per address and window, forged headers ignored."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory

from security.models import RateLimitCounter
from security.ratelimit import hit, prune_counters, rate_limit
from security.tasks import prune_rate_limit_counters
from tests.conftest import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 1, 0, tzinfo=SHANGHAI)  # one minute into a five-minute window
WINDOW = 300


def test_it_allows_the_limit_and_refuses_one_more(db):
    answers = [hit("k", limit=3, window_seconds=WINDOW, now=NOW) for _ in range(4)]

    assert answers == [True, True, True, False]


def test_a_refused_key_does_not_limit_another(db):
    for _ in range(3):
        hit("login:198.51.100.1", limit=2, window_seconds=WINDOW, now=NOW)

    assert hit("login:198.51.100.2", limit=2, window_seconds=WINDOW, now=NOW) is True


def test_the_next_window_allows_again(db):
    for _ in range(3):
        hit("k", limit=2, window_seconds=WINDOW, now=NOW)
    last_second = NOW.replace(minute=4, second=59)
    next_window = NOW.replace(minute=5, second=0)

    assert hit("k", limit=2, window_seconds=WINDOW, now=last_second) is False
    assert hit("k", limit=2, window_seconds=WINDOW, now=next_window) is True


def test_one_row_counts_a_window(db):
    for _ in range(5):
        hit("k", limit=2, window_seconds=WINDOW, now=NOW)

    counter = RateLimitCounter.objects.get()
    assert counter.count == 5
    assert counter.window_start == NOW.replace(minute=0)


@pytest.mark.parametrize("window_seconds", [0, -1, 24 * 60 * 60 + 1])
def test_a_window_outside_one_second_to_a_day_is_refused(db, window_seconds):
    with pytest.raises(ValueError):
        hit("k", limit=1, window_seconds=window_seconds, now=NOW)


def test_old_windows_are_pruned_and_current_ones_kept(db):
    hit("old", limit=1, window_seconds=WINDOW, now=NOW - timedelta(days=1, minutes=10))
    hit("recent", limit=1, window_seconds=WINDOW, now=NOW - timedelta(hours=23))

    assert prune_counters(now=NOW) == 1
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["recent"]


def test_the_beat_task_prunes_against_the_current_time(db):
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        hit("old", limit=1, window_seconds=WINDOW)

    with time_machine.travel(NOW, tick=False):
        assert prune_rate_limit_counters() == 1
    assert not RateLimitCounter.objects.exists()


# --- the decorator -----------------------------------------------------------------------------------


@rate_limit("test", limit=2, window_seconds=WINDOW)
def limited_view(request):
    return HttpResponse("ok")


def post(remote: str, forwarded: str | None = None, method: str = "post"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return limited_view(getattr(RequestFactory(), method)("/limited/", **extra))


@time_machine.travel(NOW, tick=False)
def test_the_decorator_answers_429_with_retry_after_past_the_limit(db):
    statuses = [post("198.51.100.1").status_code for _ in range(3)]

    refused = post("198.51.100.1")
    assert statuses == [200, 200, 429]
    assert refused["Retry-After"] == "240"  # the window ends at 10:05:00
    assert "操作过于频繁" in refused.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_decorator_counts_each_address_apart(db):
    post("198.51.100.1")
    post("198.51.100.1")

    assert post("198.51.100.1").status_code == 429
    assert post("198.51.100.2").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_reading_the_page_is_not_counted(db):
    for _ in range(5):
        assert post("198.51.100.1", method="get").status_code == 200

    assert post("198.51.100.1").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_a_forged_forwarded_for_does_not_escape_the_limit_without_proxies(db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    post("198.51.100.1")
    post("198.51.100.1")

    answers = [post("198.51.100.1", forwarded=f"203.0.113.{n}").status_code for n in range(5)]

    assert answers == [429] * 5


@time_machine.travel(NOW, tick=False)
def test_a_forged_forwarded_for_does_not_escape_the_limit_behind_one_proxy(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    post(proxy, forwarded="198.51.100.1")
    post(proxy, forwarded="198.51.100.1")

    # The client sends its own X-Forwarded-For; nginx appends the real address after it.
    answers = [post(proxy, forwarded=f"203.0.113.{n}, 198.51.100.1").status_code for n in range(5)]

    assert answers == [429] * 5
    assert post(proxy, forwarded="198.51.100.2").status_code == 200


# --- the login page ---------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_login_page_refuses_sign_ins_past_the_limit_from_one_address(db, settings, officer_a):
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    # A different username each time: the per-username lockout (django-axes) never applies, the
    # per-address limit still does.
    for attempt in range(settings.LOGIN_RATE_LIMIT):
        answer = attacker.post("/login/", {"username": f"guess{attempt}", "password": "wrong-password"})
        assert answer.status_code == 200  # the form again, with its error

    refused = attacker.post("/login/", {"username": officer_a.username, "password": PASSWORD})

    assert refused.status_code == 429
    assert "操作过于频繁" in refused.content.decode()
    assert refused["Retry-After"] == "240"
    assert "_auth_user_id" not in attacker.session  # not even the right password gets through
    assert attacker.get("/login/").status_code == 200  # the page itself can still be read
    colleague = Client(REMOTE_ADDR="198.51.100.2")
    assert colleague.post("/login/", {"username": officer_a.username, "password": PASSWORD}).status_code == 302


# --- concurrency ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_requests_get_exactly_ten_through():
    threads_count, limit = 20, 10
    start = threading.Barrier(threads_count)
    answers: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one_request() -> None:
        try:
            start.wait(timeout=30)
            allowed = hit("login:198.51.100.1", limit=limit, window_seconds=WINDOW, now=NOW)
            with lock:
                answers.append(allowed)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors.append(error)
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=one_request) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(answers) == threads_count
    assert answers.count(True) == limit
    assert RateLimitCounter.objects.get(key="login:198.51.100.1").count == threads_count


def test_the_api_sign_in_shares_the_login_pages_budget_per_address(db, settings):
    """The per-username lockout alone would let one address try a few passwords on every username
    through the API: the token sign-in counts in the login page's per-address limit (the decorator
    took LOGIN_RATE_LIMIT when the URLs were loaded)."""
    limit = settings.LOGIN_RATE_LIMIT
    client = Client(REMOTE_ADDR="198.51.100.9")

    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": f"guess{n}", "password": "x"}, content_type="application/json"
        ).status_code
        for n in range(limit + 2)
    ]

    assert statuses == [400] * limit + [429, 429]
    assert client.post("/login/", {"username": "guess-last", "password": "x"}).status_code == 429
    assert (
        Client(REMOTE_ADDR="198.51.100.10").post("/login/", {"username": "guess0", "password": "x"}).status_code == 200
    )
