"""The check most disputes writes start with after the actor's (accounts.permissions.require): is the
lead still open. One place, so that what "closed" forbids is decided once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import DisputeLead


def _require_open(lead: DisputeLead) -> None:
    if lead.is_closed:
        raise ValidationError(
            _("该线索已结案（%(status)s），不能再修改") % {"status": lead.get_status_display()}, code="closed"
        )
