from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("拘调融合", {"fields": ("full_name",)}))
    list_display = ("username", "full_name", "is_active", "last_login")
    search_fields = ("username", "full_name")
    inlines = [MembershipInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code", "region_code", "is_state_organ", "parent", "is_active")
    list_filter = ("kind", "is_state_organ", "is_active")
    search_fields = ("name", "code", "region_code")
    readonly_fields = ("path", "depth")

    def get_readonly_fields(self, request, obj=None):
        # Moving a subtree rewrites every path below it: that is move_organization's job, not a form's.
        return ("path", "depth", "parent") if obj else ("path", "depth")

    def save_model(self, request, obj, form, change):
        # New organizations need their materialised path; the service computes it.
        if change:
            super().save_model(request, obj, form, change)
            return
        from .services import create_organization

        created = create_organization(
            name=obj.name,
            kind=obj.kind,
            code=obj.code,
            region_code=obj.region_code,
            parent=obj.parent,
            is_state_organ=obj.is_state_organ,
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
