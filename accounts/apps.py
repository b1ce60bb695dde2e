from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与组织")


class YaoyaoAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site of accounts.admin_site (system administrators only)."""

    default = False  # AccountsConfig stays this module's default app config
    default_site = "accounts.admin_site.YaoyaoAdminSite"
