from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetaineesConfig(AppConfig):
    name = "detainees"
    verbose_name = _("被拘留人")
