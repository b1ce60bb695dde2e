from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for development and training. It sits above every other app because it fills them
    all; it has no models of its own."""

    name = "demo"
    verbose_name = "演示数据"
