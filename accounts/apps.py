from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与组织")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .session_expiry import stamp_sign_in

        # Like Django's own last_login update: the one hook that every way of signing in runs.
        user_logged_in.connect(stamp_sign_in, dispatch_uid="accounts.session_expiry.stamp_sign_in")


class YaoyaoAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site of accounts.admin_site (system administrators only)."""

    default = False  # AccountsConfig stays this module's default app config
    default_site = "accounts.admin_site.YaoyaoAdminSite"
