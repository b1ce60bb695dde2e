"""Django's admin is the system administrator's tool only (三员分立): the security and audit
administrators and every case-working role are kept out, whatever `is_staff` says."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Membership, Role


class YaoyaoAdminSite(admin.AdminSite):
    site_header = "拘调融合 · 系统管理"
    site_title = "拘调融合"

    def has_permission(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_authenticated
            and Membership.objects.filter(
                user=user, role=Role.SYSTEM_ADMIN, is_active=True, organization__is_active=True
            ).exists()
        )

    def login(self, request, extra_context=None):
        # One sign-in page for everybody; a signed-in user who lands here is not a system administrator.
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", "/admin/"))
