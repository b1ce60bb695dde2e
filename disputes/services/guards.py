"""The two checks most disputes writes start with: is the acting user staff of the case's centre, and
is the lead still open. One place each, so that a change of who may act is made once."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.access import current_membership
from accounts.models import CENTRE_ROLES, Role, User

from ..models import DisputeLead


def _require_centre_staff(user: User, facility_id: int, *, leader: bool = False) -> None:
    """Views check roles already; the services check again, so a command, a task or a future caller
    cannot write a centre's case as someone from elsewhere."""
    membership = current_membership(user)
    roles = {Role.CENTRE_LEADER} if leader else set(CENTRE_ROLES)
    if membership is None or membership.role not in roles or membership.organization_id != facility_id:
        raise PermissionDenied(_("只有本所所领导可以办理") if leader else _("只有本所民警可以办理"))


def _require_open(lead: DisputeLead) -> None:
    if lead.is_closed:
        raise ValidationError(
            _("该线索已结案（%(status)s），不能再修改") % {"status": lead.get_status_display()}, code="closed"
        )
