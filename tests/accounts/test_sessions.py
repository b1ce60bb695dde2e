"""Sessions (QUALITY.md R7): a new key at sign-in, an idle expiry and an absolute expiry from sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import session_expiry
from tests.conftest import PASSWORD

SIGN_IN = datetime(2026, 3, 2, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = "/password/"  # any signed-in page


def signed_in_client(user) -> Client:
    client = Client()
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def still_signed_in(client: Client) -> bool:
    response = client.get(PAGE)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    return False


def test_signing_in_gives_a_new_session_key(officer_a):
    client = Client()
    anonymous = client.session
    anonymous["language_hint"] = "zh-hans"  # an anonymous session that a fixation attack would plant
    anonymous.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous.session_key
    before = anonymous.session_key

    response = client.post("/login/", {"username": officer_a.username, "password": PASSWORD})

    assert response.status_code == 302
    after = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(officer_a.pk)


def test_signing_out_ends_the_session_on_the_server(officer_a):
    client = signed_in_client(officer_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/logout/")

    assert not Session.objects.filter(session_key=key).exists()
    assert not still_signed_in(client)


def test_an_idle_session_ends_after_the_idle_time(officer_a):
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert idle == timedelta(minutes=30)
    with time_machine.travel(SIGN_IN, tick=False) as clock:
        client = signed_in_client(officer_a)
        clock.move_to(SIGN_IN + idle - timedelta(minutes=1))
        assert still_signed_in(client)  # activity resets the idle clock
        clock.move_to(SIGN_IN + 2 * idle - timedelta(minutes=2))
        assert still_signed_in(client)
        clock.move_to(SIGN_IN + 3 * idle)  # 31 minutes without a request
        assert not still_signed_in(client)


def test_an_idle_session_ends_even_if_the_browser_keeps_its_cookie(officer_a):
    with time_machine.travel(SIGN_IN, tick=False) as clock:
        client = signed_in_client(officer_a)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        clock.move_to(SIGN_IN + timedelta(seconds=settings.SESSION_COOKIE_AGE, minutes=1))
        client.cookies[settings.SESSION_COOKIE_NAME] = key  # a client that ignores the cookie's expiry

        assert not still_signed_in(client)


def test_an_active_session_ends_at_the_absolute_limit(officer_a):
    absolute = timedelta(seconds=settings.SESSION_ABSOLUTE_AGE)
    assert absolute == timedelta(hours=8)
    with time_machine.travel(SIGN_IN, tick=False) as clock:
        client = signed_in_client(officer_a)
        now = SIGN_IN
        while now + timedelta(minutes=20) < SIGN_IN + absolute:
            now += timedelta(minutes=20)  # a request every 20 minutes: never idle
            clock.move_to(now)
            assert still_signed_in(client), now
        clock.move_to(SIGN_IN + absolute)

        assert not still_signed_in(client)
        assert signed_in_client(officer_a)  # signing in again starts a new session


def test_the_session_cookie_never_outlives_the_absolute_limit(officer_a):
    with time_machine.travel(SIGN_IN, tick=False) as clock:
        client = signed_in_client(officer_a)
        for minutes in range(25, 7 * 60 + 56, 15):  # active all day; the last request at 7 h 55 min
            clock.move_to(SIGN_IN + timedelta(minutes=minutes))
            response = client.get(PAGE)
            assert response.status_code == 200
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]

        assert minutes == 7 * 60 + 55
        assert int(cookie["max-age"]) == 5 * 60  # refreshed, but only up to the absolute limit


def test_a_session_signed_in_without_the_login_page_gets_both_limits(officer_a, client_for):
    with time_machine.travel(SIGN_IN, tick=False) as clock:
        client = client_for(officer_a)  # force_login: the same sign-in signal stamps the session
        clock.move_to(SIGN_IN + timedelta(minutes=20))
        assert still_signed_in(client)
        clock.move_to(SIGN_IN + timedelta(minutes=20) + timedelta(seconds=settings.SESSION_COOKIE_AGE))
        assert not still_signed_in(client)


def test_a_session_of_unknown_age_ends_instead_of_starting_its_clock(officer_a):
    """A session signed in before the sign-in time was recorded could otherwise run a whole absolute
    lifetime more: it is ended, and the user signs in again."""
    client = signed_in_client(officer_a)
    session = client.session
    del session[session_expiry.SIGNED_IN_AT]
    session.save()

    assert not still_signed_in(client)
