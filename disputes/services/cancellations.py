"""Cancelling sessions: the step a cancelled session, a closed lead and a transfer share. Its own module
because leads.move_lead needs it and sessions.schedule_session needs move_lead; here it sits below both."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import Message, notify

from ..models import MediationSession, SessionUserObjectPermission


def _cancel(
    session: MediationSession, *, reason: str, now: datetime, acting_user: User | None = None
) -> MediationSession:
    """Free the room, the person and the participants, tell the participants, and take back the
    grants of those invited from outside: a cancelled meeting is no reason for them to keep seeing it
    (DESIGN.md §5). The notice says when and where, as the invitation did, and not why: the reason may
    speak of the detention (a transfer)."""
    session.status, session.cancelled_at, session.cancel_reason = MediationSession.Status.CANCELLED, now, reason.strip()
    session.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    coming = [p.user for p in session.participants.filter(active=True).select_related("user")]
    session.participants.update(active=False, updated_at=now)
    SessionUserObjectPermission.objects.filter(content_object=session).delete()
    if session.starts_at > now:
        where = session.room.name if session.room_id else session.get_mode_display()
        notify(
            "session_cancelled",
            recipients=[user for user in coming if acting_user is None or user.pk != acting_user.pk],
            build_message=lambda _user: Message(
                subject=_("调解取消：%(start)s，%(where)s")
                % {"start": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}", "where": where}
            ),
        )
    return session


def _cancel_ahead(
    sessions: QuerySet[MediationSession], *, after: datetime, reason: str, now: datetime, acting_user: User | None
) -> None:
    """Cancel those of `sessions` that start after `after` and are still only booked (the lead closed,
    the person moved to another centre): they hold rooms and people they will not use. Only the
    session rows are locked (lock order: detention, lead, session)."""
    ahead = sessions.select_for_update(of=("self",)).filter(
        status=MediationSession.Status.SCHEDULED, starts_at__gt=after
    )
    for session in ahead:
        _cancel(session, reason=reason, now=now, acting_user=acting_user)
