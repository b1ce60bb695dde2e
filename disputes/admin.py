from django.contrib import admin

from .models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "facility", "kind", "for_family_meetings", "capacity", "is_active")
    list_filter = ("kind", "for_family_meetings", "is_active")
