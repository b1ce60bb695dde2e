"""Who and what wrote the audit events of work that runs outside a request.

In a request, audit.middleware puts the user, path, method and client address on every event.
Management commands and Celery tasks say so themselves:

    with acting(source="command:rotate_keys"):
        rotate_keys()

    @acting(source="task:sweep_deadlines")
    def sweep_deadlines_task(): ...

Events written inside the block carry {"source": ..., "user": <pk>} (user only when given).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pghistory
from django.db import connection


@contextmanager
def acting(user=None, *, source: str) -> Iterator[None]:
    # pghistory keeps one context per thread; entering it again inside a request joins the request's
    # context. The labels are set on that context and taken off again at the end of the block, so that
    # a nested block does not relabel the rest of the request.
    with pghistory.context() as current:
        saved = dict(current.metadata)
        current.metadata["source"] = source
        if user is not None:
            current.metadata["user"] = user.pk
        try:
            yield
        finally:
            current.metadata.clear()
            current.metadata.update(saved)
    if connection.in_atomic_block:
        # pghistory hands the context to the triggers in transaction-local settings, set before each
        # write. They outlive the block until the transaction ends: clear them, or a later write of the
        # same transaction outside any context would carry this block's labels. (Inside an outer
        # context the next write sets them again.)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pghistory.context_id', '', true),"
                " set_config('pghistory.context_metadata', '', true)"
            )
