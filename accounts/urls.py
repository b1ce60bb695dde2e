from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from security.ratelimit import rate_limit

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        # Sign-in attempts per client address; the per-username lockout comes with django-axes.
        rate_limit("login", limit=settings.LOGIN_RATE_LIMIT, window_seconds=settings.LOGIN_RATE_LIMIT_WINDOW)(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("dashboard/<str:role>/", views.dashboard, name="dashboard"),
    path("organizations/", views.organizations, name="organizations"),
]
