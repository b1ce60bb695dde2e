"""Idle and absolute expiry of signed-in sessions (DESIGN.md §5, QUALITY.md R7).

Idle: Django's database session ends SESSION_COOKIE_AGE after it was last saved, so a request saves it
again (and resends the cookie) once a minute at most, instead of on every request as
SESSION_SAVE_EVERY_REQUEST would. Absolute: the sign-in time is kept in the session and the user is
signed out SESSION_ABSOLUTE_AGE after it, however active; the remaining idle time is also capped by it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# How stale the last-seen stamp may grow before a request saves the session again.
REFRESH_AFTER_SECONDS = 60


def stamp_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in receiver: every way of signing in (the login page, the admin, force_login) runs it,
    so the stamps are saved together with the new session and cost no later write."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None:
            # A session of unknown age (signed in before these stamps existed): starting its clock now
            # would let it outlive the absolute limit, so it ends; the user signs in again.
            logout(request)
            return
        if seen_at is None:
            session[SEEN_AT] = seen_at = now
        if now - signed_in_at >= settings.SESSION_ABSOLUTE_AGE or now - seen_at >= settings.SESSION_COOKIE_AGE:
            logout(request)
            return
        if now - seen_at >= REFRESH_AFTER_SECONDS:
            session[SEEN_AT] = now
        if session.modified:
            session.set_expiry(min(settings.SESSION_COOKIE_AGE, signed_in_at + settings.SESSION_ABSOLUTE_AGE - now))
