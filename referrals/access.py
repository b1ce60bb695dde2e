"""get_<thing>_for_user: 404 for what the user may not see, 403 for what they may see but not change.

A work order has two sides: the centre that sent it (its officers and leaders change it with
"send_work_order") and the partner it is addressed to (its staff act with "handle_work_order"). `write`
asks for the reader's own side's permission."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import staff_facility_id
from accounts.permissions import can
from disputes.access import get_lead_for_user
from disputes.models import DisputeLead

from .models import WorkOrder, WorkOrderFile
from .selectors import visible_to


def is_centre_side(user, order: WorkOrder) -> bool:
    return staff_facility_id(user) == order.detention.facility_id


def get_work_order_for_user(user, pk: int, *, write: bool = False) -> WorkOrder:
    try:
        order = (
            visible_to(user).select_related("detention", "lead", "partner", "consent", "referral", "sent_by").get(pk=pk)
        )
    except WorkOrder.DoesNotExist:
        raise Http404 from None
    if write:
        side = "send_work_order" if is_centre_side(user, order) else "handle_work_order"
        if not can(user, side, order.detention.facility_id if side == "send_work_order" else None):
            raise PermissionDenied
    return order


def get_work_order_file_for_user(user, order_pk: int, pk: int) -> WorkOrderFile:
    """A file of the thread or of a feedback of a work order the user sees (404 otherwise)."""
    order = get_work_order_for_user(user, order_pk)
    try:
        return WorkOrderFile.objects.get(pk=pk, order=order)
    except WorkOrderFile.DoesNotExist:
        raise Http404 from None


def get_lead_to_refer_for_user(user, lead_pk: int) -> DisputeLead:
    """A lead of the user's centre that they may refer (404 unseen, 403 read-only)."""
    lead = get_lead_for_user(user, lead_pk)
    if not can(user, "send_work_order", lead.facility_id):
        raise PermissionDenied
    return lead
