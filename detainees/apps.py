from django.apps import AppConfig


class DetaineesConfig(AppConfig):
    name = "detainees"
    verbose_name = "被拘留人"
