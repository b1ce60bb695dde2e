from django.contrib import admin

from .models import WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    # The system administrator configures where each organization receives its notices.
    list_display = ("organization", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("organization__name", "url")
    autocomplete_fields = ["organization"]
