"""The system administrator's tables of referrals: the due-time defaults per partner kind, and the
calendar (also edited on its own page, /referrals/calendar/). Work orders change only through the
services, so they are read-only here."""

from django.contrib import admin

from .models import DueTimeDefault, WorkingDay


@admin.register(DueTimeDefault)
class DueTimeDefaultAdmin(admin.ModelAdmin):
    list_display = ["organization_kind", "receipt_working_days", "feedback_working_days"]


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "day"

    # Changes go through referrals.services.set_working_days, which recomputes the open due times.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
