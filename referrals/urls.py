"""The centre's pages of work orders (staff URL group, /referrals/)."""

from django.urls import path  # noqa: F401

app_name = "referrals"

urlpatterns: list = []
