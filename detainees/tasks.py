"""Celery tasks of detainees: ids in, the work in detainees.imports."""

from celery import shared_task
from django.utils import timezone

from . import imports


@shared_task
def apply_import(import_id: int) -> None:
    imports.apply_import(import_id)


@shared_task
def sweep_imports() -> None:
    now = timezone.now()
    imports.sweep_imports(now=now)
    imports.remove_refused_imports(now=now)
