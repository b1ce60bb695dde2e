"""get_detention_for_user: 404 for what the user may not see, 403 for what they may see but not change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.permissions import can

from .models import Detention
from .selectors import visible_to


def get_detention_for_user(user, pk: int, *, write: bool = False) -> Detention:
    try:
        detention = visible_to(user).select_related("person", "facility", "responsible_officer").get(pk=pk)
    except Detention.DoesNotExist:
        raise Http404 from None
    if write and not can(user, "change_detention", detention.facility_id):
        raise PermissionDenied
    return detention
