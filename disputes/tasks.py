"""Celery tasks of disputes: ids in, one call to disputes.pdf out."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def render_agreement_pdf(agreement_id: int) -> None:
    # Imported here: WeasyPrint loads Pango at import time, which web processes need not pay for.
    from .pdf import store_agreement_pdf

    store_agreement_pdf(agreement_id)
