from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organization, User

# Django stores a permission's name in English when it creates it ("Can view 入所记录"); the admin shows
# the four model permissions by their action in Chinese instead, and any other by its stored name.
PERMISSION_ACTIONS = {"add": _("新增"), "change": _("修改"), "delete": _("删除"), "view": _("查看")}


def permission_label(permission: Permission) -> str:
    model = permission.content_type.model_class()
    action, _underscore, model_name = permission.codename.partition("_")
    if model is None:
        return f"{permission.content_type.app_label} | {permission.name}"
    if action in PERMISSION_ACTIONS and model_name == model._meta.model_name:
        name = f"{PERMISSION_ACTIONS[action]}{model._meta.verbose_name}"
    else:
        name = permission.name
    return f"{model._meta.app_config.verbose_name} | {name}"


class PermissionLabels:
    """The permission pickers of the user and group forms, labelled by permission_label."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabels, BaseGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(PermissionLabels, BaseUserAdmin):
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
