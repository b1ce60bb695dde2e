"""The room calendar of a centre (a week by day, or a day by hour) and the upcoming-sessions lists.

Each is built from a fixed number of queries, whatever the number of sessions: the rooms, then the
sessions of the period (on session_calendar_idx) with what their cells show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import staff_facility_id
from accounts.models import Organization, Role

from .models import MediationSession, Room
from .selectors import sessions_visible_to

DAY, WEEK = "day", "week"
# The day view's columns: one per hour of the working day, 08:00 to 18:00.
FIRST_HOUR, END_HOUR = 8, 18


@dataclass
class Entry:
    session_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    person_name: str
    # True in the later hour cells of a session that runs over several hours (day view).
    continued: bool = False


@dataclass
class Column:
    label: str
    day: date
    hour: int | None = None


@dataclass
class Row:
    label: str
    room: Room | None
    cells: list[list[Entry]] = field(default_factory=list)


@dataclass
class Calendar:
    view: str
    day: date
    first: date
    last: date
    columns: list[Column]
    rows: list[Row]
    previous: date
    next: date
    today: date

    @property
    def is_empty(self) -> bool:
        return not any(entries for row in self.rows for entries in row.cells)


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def build_calendar(facility: Organization, *, view: str, day: date, today: date) -> Calendar:
    if view == DAY:
        first = last = day
        columns = [Column(f"{hour:02d}:00", day, hour) for hour in range(FIRST_HOUR, END_HOUR)]
        step = timedelta(days=1)
    else:
        view = WEEK
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
        weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
        columns = [
            Column(f"{weekdays[i]} {first + timedelta(days=i):%m-%d}", first + timedelta(days=i)) for i in range(7)
        ]
        step = timedelta(days=7)
    start, end = midnight(first), midnight(last + timedelta(days=1))

    sessions = list(
        MediationSession.objects.filter(facility=facility, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=MediationSession.Status.CANCELLED)
        .select_related("lead__detention")
        .only("pk", "room_id", "starts_at", "ends_at", "topic", "lead__category", "lead__detention__name")
        .order_by("starts_at", "pk")
    )
    used_rooms = {session.room_id for session in sessions}
    rooms = [
        room
        for room in Room.objects.filter(facility=facility).order_by("kind", "name")
        if room.is_active or room.pk in used_rooms
    ]
    rows = {room.pk: Row(room.name, room, [[] for _column in columns]) for room in rooms}
    if None in used_rooms:
        rows[None] = Row(_("不使用调解室（电话调解）"), None, [[] for _column in columns])

    for session in sessions:
        row = rows[session.room_id]
        local_start, local_end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        entry = {
            "session_id": session.pk,
            "starts_at": local_start,
            "ends_at": local_end,
            "title": session.topic or session.lead.get_category_display(),
            "person_name": session.person_name,
        }
        if view == WEEK:
            index = min(max((local_start.date() - first).days, 0), 6)
            row.cells[index].append(Entry(**entry))
        else:
            for position, index in enumerate(_hour_columns(local_start, local_end, day)):
                row.cells[index].append(Entry(**entry, continued=position > 0))

    return Calendar(
        view=view,
        day=day,
        first=first,
        last=last,
        columns=columns,
        rows=list(rows.values()),
        previous=day - step,
        next=day + step,
        today=today,
    )


def _hour_columns(local_start: datetime, local_end: datetime, day: date) -> list[int]:
    """The indexes of the hour columns a session overlaps; one outside the working day goes into the
    first or last column, so that nothing booked is hidden."""
    indexes = []
    for index, hour in enumerate(range(FIRST_HOUR, END_HOUR)):
        slot_start = timezone.make_aware(datetime.combine(day, time(hour)))
        if local_start < slot_start + timedelta(hours=1) and local_end > slot_start:
            indexes.append(index)
    if indexes:
        return indexes
    before = local_end <= timezone.make_aware(datetime.combine(day, time(FIRST_HOUR)))
    return [0 if before else END_HOUR - FIRST_HOUR - 1]


# --- upcoming sessions (the session list and the dashboards) --------------------------------------------


# What the session lists show (disputes/_session_rows.html): of the detention, only the person's name as
# its centre recorded it; the other recorded fields, some encrypted and never shown there, are not read.
LIST_FIELDS = (
    "starts_at",
    "ends_at",
    "status",
    "mode",
    "topic",
    "room__name",
    "court__name",
    "lead__category",
    "lead__detention__name",
)


def upcoming_sessions(user, *, now: datetime) -> QuerySet[MediationSession]:
    """The sessions the user sees from the start of today on, cancelled ones left out."""
    start_of_today = midnight(timezone.localdate(now))
    return (
        sessions_visible_to(user)
        .filter(ends_at__gte=start_of_today)
        .exclude(status=MediationSession.Status.CANCELLED)
        .select_related("room", "court", "lead__detention")
        .only(*LIST_FIELDS)
        .order_by("starts_at", "pk")
    )


def awaiting_result(user, *, now: datetime) -> QuerySet[MediationSession]:
    """Sessions before today still without minutes and result, for the staff of the centre that held
    them (only they can record it: after a transfer the receiving centre reads them, no more)."""
    start_of_today = midnight(timezone.localdate(now))
    return (
        sessions_visible_to(user)
        .filter(
            status=MediationSession.Status.SCHEDULED, ends_at__lt=start_of_today, facility_id=staff_facility_id(user)
        )
        .select_related("room", "court", "lead__detention")
        .only(*LIST_FIELDS)
        .order_by("starts_at", "pk")
    )


# Roles that join the centre's mediation sessions from outside: their dashboards list the next ones
# (casework.views.dashboard).
SESSION_DASHBOARD_ROLES = {Role.COURT_STAFF, Role.COURT_MEDIATOR, Role.AGENCY_STAFF, Role.VOLUNTEER}
UPCOMING_SESSIONS_SHOWN = 10


def dashboard_sessions(user, role: Role) -> dict:
    if role not in SESSION_DASHBOARD_ROLES:
        return {}
    return {"upcoming_sessions": list(upcoming_sessions(user, now=timezone.now())[:UPCOMING_SESSIONS_SHOWN])}
