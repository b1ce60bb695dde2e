"""The Celery app. Its settings (acks late, prefetch 1, JSON only, time limits, beat schedule) live
in settings.py under the CELERY_ prefix so that one file holds the whole configuration."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yaoyao_mediation.settings")

app = Celery("yaoyao_mediation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
