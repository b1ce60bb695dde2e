"""get_detention_for_user: 404 for what the user may not see, 403 for what they may see but not change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import staff_facility_id
from accounts.permissions import can

from .models import Detention, Document, ImportLog
from .selectors import visible_to


def get_detention_for_user(user, pk: int, *, write: bool = False) -> Detention:
    try:
        detention = visible_to(user).select_related("person", "facility", "responsible_officer").get(pk=pk)
    except Detention.DoesNotExist:
        raise Http404 from None
    if write and not can(user, "change_detention", detention.facility_id):
        raise PermissionDenied
    return detention


def get_document_for_user(user, detention_pk: int, pk: int) -> Document:
    """A document of a detention the user sees (404 otherwise, or when it is another detention's)."""
    detention = get_detention_for_user(user, detention_pk)
    try:
        return detention.documents.get(pk=pk)
    except Document.DoesNotExist:
        raise Http404 from None


def get_import_for_user(user, pk: int) -> ImportLog:
    """An import of the user's own centre, else 404."""
    try:
        return ImportLog.objects.select_related("created_by", "facility").get(
            pk=pk, facility_id=staff_facility_id(user)
        )
    except ImportLog.DoesNotExist:
        raise Http404 from None
