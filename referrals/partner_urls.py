"""The partner's pages of work orders (partner URL group, /partner/): courts, the enforcement bureau,
the justice bureau and the other partner agencies, served without the officers' pages (DESIGN.md §7)."""

from django.urls import path  # noqa: F401

app_name = "partner"

urlpatterns: list = []
