from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for development and training. It sits above every other app because it fills them
    all; it has no models of its own."""

    name = "demo"
    verbose_name = _("演示数据")
