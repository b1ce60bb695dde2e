from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SweepsConfig(AppConfig):
    name = "sweeps"
    verbose_name = _("期限督办")
