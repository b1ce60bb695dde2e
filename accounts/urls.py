from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from security.ratelimit import rate_limit

from . import views
from .permissions import public, signed_in

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        # Sign-in attempts per client address; the per-username lockout comes with django-axes.
        public(
            rate_limit("login", limit=settings.LOGIN_RATE_LIMIT, window_seconds=settings.LOGIN_RATE_LIMIT_WINDOW)(
                auth_views.LoginView.as_view(redirect_authenticated_user=True)
            )
        ),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password/",
        signed_in(auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done"))),
        name="password_change",
    ),
    path("password/done/", signed_in(auth_views.PasswordChangeDoneView.as_view()), name="password_change_done"),
    path("organizations/", views.organizations, name="organizations"),
]
