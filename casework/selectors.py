"""Reads that combine apps: detainees' worklist with disputes' open-lead count, and the timeline of a
detention from every app. Each lower app gives its part; nothing here is registered from below."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from detainees import selectors as detainee_selectors
from detainees.models import Detention
from detainees.selectors import TimelineEntry, WorklistCursor, WorklistFilters
from disputes.selectors import open_leads_of_detention
from disputes.timeline import disputes_timeline


def worklist(
    user, *, now: datetime, filters: WorklistFilters | None = None, after: WorklistCursor | None = None
) -> QuerySet[Detention]:
    """detainees' worklist, each row with its open leads (one subquery: still one query a page)."""
    return detainee_selectors.worklist(
        user, now=now, filters=filters, after=after, open_leads=open_leads_of_detention()
    )


def search(user, text: str, *, after: WorklistCursor | None = None) -> QuerySet[Detention]:
    return detainee_selectors.search(user, text, after=after, open_leads=open_leads_of_detention())


def detention_timeline(detention: Detention) -> list[TimelineEntry]:
    """The entries of every app about this detention, oldest first (each part costs a query or two)."""
    entries = [*detainee_selectors.detention_timeline(detention), *disputes_timeline(detention)]
    return sorted(entries, key=lambda entry: entry.at)
