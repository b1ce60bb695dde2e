"""A work order as one reader may see it: the field sets of yaoyao_mediation.disclosure (WORK_ORDER,
WORK_ORDER_PARTY, WORK_ORDER_DOCUMENT_KINDS) applied to one order, for the pages, the API and the
notices alike. What is not in the reader's set is not in the dict at all, so a template or serializer
cannot show it by mistake.

`load(orders)` fetches what the disclosed orders show (parties, documents, messages with files,
feedbacks with files, events) in a fixed number of queries, however many orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch

from detainees.models import Document
from disputes.models import LeadParty
from yaoyao_mediation.disclosure import (
    WORK_ORDER,
    WORK_ORDER_DOCUMENT_KINDS,
    WORK_ORDER_PARTY,
    Audience,
    detention_facts,
)

from .models import WorkOrder, WorkOrderEvent, WorkOrderFeedback, WorkOrderFile, WorkOrderMessage
from .services.notices import sender_name


@dataclass
class Loaded:
    """What `load` fetched for a set of orders, by order id (or lead id for the parties)."""

    parties: dict[int, list[LeadParty]] = field(default_factory=dict)
    documents: dict[int, list[Document]] = field(default_factory=dict)
    messages: dict[int, list[WorkOrderMessage]] = field(default_factory=dict)
    feedbacks: dict[int, list[WorkOrderFeedback]] = field(default_factory=dict)
    events: dict[int, list[WorkOrderEvent]] = field(default_factory=dict)


def base_queryset():
    """The select_related every disclosed order needs."""
    return WorkOrder.objects.select_related("detention__facility", "lead", "partner", "consent", "sent_by", "referral")


def load(orders: Sequence[WorkOrder], *, thread: bool = True) -> Loaded:
    """Fetch the parts of `orders` (thread=False: the lists, which show no thread): five queries."""
    loaded = Loaded()
    lead_ids = {order.lead_id for order in orders if order.lead_id}
    order_ids = [order.pk for order in orders]
    by_lead = defaultdict(list)
    for party in LeadParty.objects.filter(lead_id__in=lead_ids).order_by("side", "pk"):
        by_lead[party.lead_id].append(party)
    loaded.parties = dict(by_lead)
    documents = defaultdict(list)
    through = WorkOrder.documents.through.objects.filter(workorder_id__in=order_ids).select_related("document")
    for row in through.order_by("document__pk"):
        documents[row.workorder_id].append(row.document)
    loaded.documents = dict(documents)
    if thread:
        files = Prefetch("files", queryset=WorkOrderFile.objects.order_by("pk"))
        messages, feedbacks, events = defaultdict(list), defaultdict(list), defaultdict(list)
        for message in (
            WorkOrderMessage.objects.filter(order_id__in=order_ids).select_related("author").prefetch_related(files)
        ):
            messages[message.order_id].append(message)
        for feedback in (
            WorkOrderFeedback.objects.filter(order_id__in=order_ids)
            .select_related("submitted_by")
            .prefetch_related(files)
        ):
            feedbacks[feedback.order_id].append(feedback)
        for event in WorkOrderEvent.objects.filter(order_id__in=order_ids).select_related("acting_user"):
            events[event.order_id].append(event)
        loaded.messages, loaded.feedbacks, loaded.events = dict(messages), dict(feedbacks), dict(events)
    return loaded


def _party(party: LeadParty, audience: Audience, order: WorkOrder) -> dict:
    allowed = set(WORK_ORDER_PARTY[audience])
    if audience == Audience.PARTNER:
        # A non-state partner sees a contact detail only where the party's consent shares it.
        consent = order.consent
        if consent is None or not consent.share_phone:
            allowed.discard("phone")
        if consent is None or not consent.share_address:
            allowed.discard("address")
    row = {
        "name": party.name,
        "side": party.get_side_display(),
        "relation": party.relation,
        "phone": party.phone,
        "address": party.address,
    }
    return {key: value for key, value in row.items() if key in allowed}


def _files(files, *, partner_side: bool) -> list[dict]:
    return [
        {"id": f.pk, "title": f.title, "content_type": f.content_type, "size": f.size, "partner_side": partner_side}
        for f in files
    ]


def _author(user, from_partner: bool, order: WorkOrder, audience: Audience) -> str:
    """A partner sees the centre's people as the sender; the centre sees everyone's name."""
    if audience == Audience.CENTRE or from_partner:
        return (user.full_name or user.username) if user else ""
    return sender_name(order, audience)


def disclose(order: WorkOrder, audience: Audience, loaded: Loaded) -> dict:
    """The order as `audience` may see it: only the keys of WORK_ORDER[audience]."""
    allowed = WORK_ORDER[audience]
    if not allowed:
        return {}
    values: dict = {}
    values["id"] = order.pk
    values["kind"] = order.kind
    values["kind_label"] = order.get_kind_display()
    values["summary"] = order.summary
    values["status"] = order.status
    values["status_label"] = order.get_status_display()
    values["sender"] = sender_name(order, audience)
    values["partner"] = order.partner.name if order.partner_id else ""
    lead = order.lead
    values["lead_category"] = lead.get_category_display() if lead else ""
    values["amount_at_stake"] = lead.amount_at_stake if lead else None
    values["court_case_number"] = lead.court_case_number if lead else ""
    values["parties"] = [_party(party, audience, order) for party in loaded.parties.get(order.lead_id, [])]
    kinds = WORK_ORDER_DOCUMENT_KINDS[audience]
    values["documents"] = [
        {"id": document.pk, "title": document.title, "kind": document.get_kind_display()}
        for document in loaded.documents.get(order.pk, [])
        if document.kind in kinds
    ]
    for name in (
        "sent_at",
        "receipt_due_at",
        "received_at",
        "started_at",
        "feedback_due_at",
        "feedback_at",
        "result_summary",
        "agreed_amount",
        "paid_amount",
        "closed_at",
        "rating",
        "returned_at",
        "return_reason",
        "cancelled_at",
        "cancel_reason",
        "is_handover",
        "proposal_reason",
    ):
        values[name] = getattr(order, name)
    values["outcome"] = order.get_outcome_display() if order.outcome else ""
    values["feedbacks"] = [
        {
            "id": feedback.pk,
            "outcome": feedback.get_outcome_display(),
            "summary": feedback.summary,
            "agreed_amount": feedback.agreed_amount,
            "paid_amount": feedback.paid_amount,
            "submitted_at": feedback.submitted_at,
            "submitted_by": _author(feedback.submitted_by, True, order, audience),
            "on_time": feedback.on_time,
            "files": _files(feedback.files.all(), partner_side=True),
        }
        for feedback in loaded.feedbacks.get(order.pk, [])
    ]
    values["messages"] = [
        {
            "id": message.pk,
            "author": _author(message.author, message.from_partner, order, audience),
            "from_partner": message.from_partner,
            "body": message.body,
            "created_at": message.created_at,
            "files": _files(message.files.all(), partner_side=message.from_partner),
        }
        for message in loaded.messages.get(order.pk, [])
    ]
    values["events"] = [
        {
            "from_status": WorkOrder.Status(event.from_status).label if event.from_status else "",
            "to_status": WorkOrder.Status(event.to_status).label,
            "at": event.at,
            # The centre's notes (a cancellation's reason) are shown; who acted only as the side.
            "by": _author(event.acting_user, _by_partner(event), order, audience),
            "note": event.note,
        }
        for event in loaded.events.get(order.pk, [])
        if event.to_status != WorkOrder.Status.DRAFT
    ]
    values["person_name"] = order.detention.name
    values["detention"] = order.detention_id
    facts = detention_facts(order.detention)
    values["detention_facts"] = {
        "kind": facts.kind_label,
        "admitted_at": facts.admitted_at,
        "scheduled_release_at": facts.scheduled_release_at,
        "released_at": facts.released_at,
    }
    values["lead"] = order.lead_id
    consent = order.consent
    values["consent"] = (
        {
            "given_by": consent.given_by,
            "given_at": consent.given_at,
            "share_phone": consent.share_phone,
            "share_address": consent.share_address,
            "note": consent.note,
        }
        if consent
        else None
    )
    values["sent_by"] = (order.sent_by.full_name or order.sent_by.username) if order.sent_by_id else ""
    values["grants"] = []  # filled by the centre's page (the invited people)
    shown = {key: value for key, value in values.items() if key in allowed}
    # Labels that go with a shown key.
    for key in ("kind_label", "status_label"):
        if key.removesuffix("_label") in allowed:
            shown[key] = values[key]
    return shown


# Moves made by the partner's side: their notes and names are theirs to see.
_PARTNER_MOVES = frozenset(
    {
        WorkOrder.Status.RECEIVED,
        WorkOrder.Status.IN_PROGRESS,
        WorkOrder.Status.FEEDBACK_SUBMITTED,
        WorkOrder.Status.RETURNED,
    }
)


def _by_partner(event: WorkOrderEvent) -> bool:
    # in_progress after feedback_submitted is the centre asking for more work.
    if event.to_status == WorkOrder.Status.IN_PROGRESS and event.from_status == WorkOrder.Status.FEEDBACK_SUBMITTED:
        return False
    return event.to_status in _PARTNER_MOVES
