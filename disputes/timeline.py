"""A detention's timeline entries from disputes: leads opened and moved, sessions (one query each)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from detainees.models import Detention
from detainees.selectors import TimelineEntry

from .models import DisputeLead, LeadTransition, MediationSession


def disputes_timeline(detention: Detention) -> Iterable[TimelineEntry]:
    transitions = LeadTransition.objects.filter(lead__detention=detention).select_related("lead")
    for move in transitions:
        category = move.lead.get_category_display()
        if not move.from_status:
            yield TimelineEntry(move.at, _("发现矛盾线索"), category, "lead")
        else:
            status = DisputeLead.Status(move.to_status).label
            yield TimelineEntry(move.at, _("线索状态变更"), f"{category}：{status}", "lead")
    sessions = MediationSession.objects.filter(lead__detention=detention).select_related("room")
    for session in sessions:
        where = session.room.name if session.room_id else session.get_mode_display()
        end = timezone.localtime(session.ends_at)
        yield TimelineEntry(
            session.starts_at,
            _("调解（%(status)s）") % {"status": session.get_status_display()},
            f"{where}，至 {end:%H:%M}",
            "session",
        )
