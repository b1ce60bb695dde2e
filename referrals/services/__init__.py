"""Every write to referrals, by side: the centre's (orders), the partner's (partner), the consultation
thread (thread), the hand-over on release (handover) and the working-day calendar (calendar)."""

from .calendar import recompute_open_due_times, set_working_days
from .handover import propose_handover
from .orders import (
    ConsentInput,
    accept_feedback,
    cancel_work_order,
    invite_to_work_order,
    refer_lead,
    request_more_work,
    send_proposed_work_order,
)
from .partner import FeedbackInput, receive_work_order, return_work_order, start_work_order, submit_feedback
from .thread import post_message

__all__ = [
    "ConsentInput",
    "FeedbackInput",
    "accept_feedback",
    "cancel_work_order",
    "invite_to_work_order",
    "post_message",
    "propose_handover",
    "receive_work_order",
    "recompute_open_due_times",
    "refer_lead",
    "request_more_work",
    "return_work_order",
    "send_proposed_work_order",
    "set_working_days",
    "start_work_order",
    "submit_feedback",
]
