"""/api/v1/: each app adds its routes here as it grows an api.py."""

from django.urls import path

from accounts import api as accounts_api

urlpatterns = [
    path("auth/token/", accounts_api.obtain_token, name="api-token"),
    path("me/", accounts_api.me, name="api-me"),
]
