"""Read queries of detainees, scoped in SQL to what the user may see (DESIGN.md §5)."""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Expression, F, Field, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

# Used below; re-exported until disputes/api and disputes/services import from the new home.
from accounts.access import staff_facility_id
from security.fields import lookup_hash_for

from . import identity
from .models import Detention, Person

# "Due soon" on the worklist: the assessment falls due within this time.
DUE_SOON = timedelta(days=1)
# "High risk" on the worklist: an escalation score (detainees.escalation) of at least this many points,
# e.g. a tendency to violence with a high risk level (4 + 3), or self-harm with a family conflict and
# debts under enforcement (3 + 2 + 2).
HIGH_RISK_SCORE = 6
# The custody clock: a lead still open two days before the scheduled release is flagged, while there
# is still time to settle it or to prepare the hand-over. Defined here, below disputes, so that the
# worklist's SQL filter and the disputes pages (disputes.selectors.CUSTODY_CLOCK) share one value.
CUSTODY_CLOCK = timedelta(days=2)


def visible_to(user) -> QuerySet[Detention]:
    """Detentions of the user's own centre. Court and partner staff reach detention facts only through
    the work orders and sessions addressed to them (later issues), never through this list."""
    facility_id = staff_facility_id(user)
    if facility_id is None:
        return Detention.objects.none()
    return Detention.objects.filter(facility_id=facility_id)


def assessment_overdue(queryset: QuerySet[Detention], *, now: datetime) -> QuerySet[Detention]:
    return queryset.filter(assessment_completed_at__isnull=True, assessment_due_at__lt=now)


def assessment_due_soon(queryset: QuerySet[Detention], *, now: datetime) -> QuerySet[Detention]:
    return queryset.filter(
        assessment_completed_at__isnull=True, assessment_due_at__gte=now, assessment_due_at__lt=now + DUE_SOON
    )


def assessments_due(user, *, now: datetime) -> QuerySet[Detention]:
    """The intake assessments of the user's centre that are overdue or fall due within DUE_SOON, the
    people the user is responsible for first, then by due time (on detention_assessment_due_idx)."""
    own_first = Case(When(responsible_officer_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        visible_to(user)
        .filter(assessment_completed_at__isnull=True, assessment_due_at__lt=now + DUE_SOON)
        .in_custody()
        .only("pk", "assessment_due_at", "assessment_completed_at", "responsible_officer_id", "cell", "name")
        .order_by(own_first, "assessment_due_at", "pk")
    )


def earlier_detentions(detention: Detention) -> QuerySet[Detention]:
    """The person's other detentions anywhere in the province. Callers show only dates, centre, lead
    categories and outcomes: not documents, health data or offences (DESIGN.md §3)."""
    return (
        Detention.objects.filter(person_id=detention.person_id)
        .exclude(pk=detention.pk)
        .select_related("facility")
        .only("id", "admitted_at", "released_at", "scheduled_release_at", "status", "facility__name")
        .order_by("-admitted_at")
    )


# --- the state of the intake assessment, as the worklist and the detail page show it ------------------


class AssessmentState:
    DONE = "done"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OPEN = "open"


def assessment_state(detention: Detention, *, now: datetime) -> str:
    """From the stored due time and the `now` the view passes in (never SQL now(), DESIGN.md §4)."""
    if detention.assessment_completed_at is not None:
        return AssessmentState.DONE
    if detention.assessment_due_at < now:
        return AssessmentState.OVERDUE
    if detention.assessment_due_at < now + DUE_SOON:
        return AssessmentState.DUE_SOON
    return AssessmentState.OPEN


# --- the centre's worklist ---------------------------------------------------------------------------


def no_open_leads_count() -> Expression:
    """The worklist's "open leads" column when no caller counts them: NULL, shown as "—". Leads live in
    disputes, above this app; the page that shows them (casework) passes disputes' count instead."""
    return Value(None, output_field=IntegerField())


@dataclass(frozen=True)
class WorklistCursor:
    """The last row of a worklist page: (scheduled release, id), the order of detention_in_custody_idx.
    Opaque to the browser: base64 of the pair, checked on the way back."""

    scheduled_release_at: datetime
    pk: int

    def encode(self) -> str:
        text = f"{self.scheduled_release_at.isoformat()}~{self.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> WorklistCursor:
        """Raises ValueError for anything encode() did not write."""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError("bad cursor") from error
        moment, pk = text.split("~")
        scheduled = datetime.fromisoformat(moment)
        if scheduled.tzinfo is None:
            raise ValueError("the cursor's time has no UTC offset")
        return cls(scheduled_release_at=scheduled, pk=int(pk))


@dataclass(frozen=True)
class WorklistFilters:
    mine: bool = False
    due_soon: bool = False
    overdue: bool = False
    high_risk: bool = False
    custody_clock: bool = False


def worklist(
    user,
    *,
    now: datetime,
    filters: WorklistFilters | None = None,
    after: WorklistCursor | None = None,
    open_leads: Expression | None = None,
) -> QuerySet[Detention]:
    """People in custody at the user's centre, soonest release first, with what each row shows, in one
    query (the person, the responsible officer and the open leads joined or annotated). Slice it with
    the page size plus one to learn whether there is a next page: no COUNT(*) is ever run.

    `open_leads` is the expression that counts a row's open leads (a Subquery over OuterRef("pk"), from
    disputes.selectors.open_leads_of_detention), passed by the page that shows leads."""
    filters = filters or WorklistFilters()
    open_leads = open_leads if open_leads is not None else no_open_leads_count()
    rows = visible_to(user).in_custody()
    if filters.mine:
        rows = rows.filter(responsible_officer=user)
    if filters.due_soon:
        rows = assessment_due_soon(rows, now=now)
    if filters.overdue:
        rows = assessment_overdue(rows, now=now)
    if filters.high_risk:
        rows = rows.filter(escalation_score__gte=HIGH_RISK_SCORE)
    if filters.custody_clock:
        rows = rows.alias(clock_open_leads=open_leads).filter(
            clock_open_leads__gt=0, scheduled_release_at__lte=now + CUSTODY_CLOCK
        )
    return _worklist_rows(rows, after=after, open_leads=open_leads)


class RowValue(Func):
    """An SQL row value, `(a, b)`. Compared as a whole, `(a, b) > (x, y)` is a range on an index of
    (..., a, b), where `a > x OR (a = x AND b > y)` is only a filter on the rows the index returns."""

    function = ""
    output_field = Field()


# What the worklist shows of a detention, what its centre recorded about the person and the person's
# document (templates/casework/worklist.html): the query reads nothing else, so the page decrypts only
# the two numbers it shows, masked.
WORKLIST_FIELDS = (
    "person",
    "status",
    "cell",
    "scheduled_release_at",
    "assessment_due_at",
    "assessment_completed_at",
    "escalation_score",
    "name",
    "phone",
    "person__id_type",
    "person__id_number",
)


def _worklist_rows(
    rows: QuerySet[Detention], *, after: WorklistCursor | None, open_leads: Expression | None
) -> QuerySet[Detention]:
    if after is not None:
        # The row comparison is an Index Cond on detention_in_custody_idx: a page after the cursor reads
        # its own rows (page size + 1), however deep it is.
        rows = rows.filter(
            GreaterThan(
                RowValue("scheduled_release_at", "pk"),
                RowValue(Value(after.scheduled_release_at), Value(after.pk)),
            )
        )
    return (
        rows.select_related("person")
        .only(*WORKLIST_FIELDS)
        .annotate(
            open_leads=open_leads if open_leads is not None else no_open_leads_count(),
            # The officer's name as User.__str__ gives it: not the whole user row (with its password hash
            # and encrypted phone number) for one name.
            officer_name=Coalesce(
                NullIf(F("responsible_officer__full_name"), Value("")),
                F("responsible_officer__username"),
                output_field=CharField(),
            ),
        )
        .order_by("scheduled_release_at", "pk")
    )


def search(
    user, text: str, *, after: WorklistCursor | None = None, open_leads: Expression | None = None
) -> QuerySet[Detention]:
    """The user's centre's detentions (in custody or released) of people whose document number is
    `text` (exact, through the keyed hash: the number is encrypted) or whose name, as this centre
    recorded it, contains it."""
    text = text.strip()
    if not text:
        return Detention.objects.none()
    condition = Q(name__icontains=text)
    hashes = {lookup_hash_for(Person, "id_number", text)}
    with contextlib.suppress(ValidationError):
        # An old 15-digit card is stored in its 18-digit form.
        hashes.add(lookup_hash_for(Person, "id_number", identity.parse_resident_id(text, now=timezone.now()).number))
    hashes.discard("")
    if hashes:
        condition |= Q(person__id_number_hash__in=hashes)
    return _worklist_rows(visible_to(user).filter(condition), after=after, open_leads=open_leads)


def custody_clock_running(detention: Detention, *, now: datetime) -> bool:
    """A worklist row (annotated with open_leads) whose person is still in custody, has an open lead
    and leaves within CUSTODY_CLOCK."""
    return (
        detention.is_in_custody
        and bool(getattr(detention, "open_leads", None))
        and now >= detention.scheduled_release_at - CUSTODY_CLOCK
    )


# --- the timeline of one detention ----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    detail: str = ""
    kind: str = ""  # a CSS-friendly name of the source: "admission", "movement", ...


def detention_timeline(detention: Detention) -> list[TimelineEntry]:
    """This app's part of a detention's timeline, oldest first; the detention page (casework.selectors)
    adds the other apps' parts."""
    return sorted(_timeline_entries(detention), key=lambda entry: entry.at)


def _timeline_entries(detention: Detention) -> Iterable[TimelineEntry]:
    movements = list(detention.movements.select_related("from_facility", "to_facility"))
    # After a transfer the detention's facility is the new centre; the admission was at the first one.
    admitted_in = movements[0].from_facility if movements else detention.facility
    yield TimelineEntry(
        detention.admitted_at,
        _("入所"),
        _("%(facility)s，%(kind)s") % {"facility": admitted_in.name, "kind": detention.get_kind_display()},
        "admission",
    )
    for movement in movements:
        yield TimelineEntry(
            movement.moved_at,
            _("转所"),
            _("由%(from)s转至%(to)s") % {"from": movement.from_facility.name, "to": movement.to_facility.name},
            "movement",
        )
    for check in detention.health_checks.only("checked_at", "conclusion"):
        yield TimelineEntry(check.checked_at, _("体检"), check.get_conclusion_display(), "health_check")
    if detention.assessment_completed_at is not None:
        yield TimelineEntry(detention.assessment_completed_at, _("完成入所评估"), "", "assessment")
    for document in detention.documents.only("created_at", "title"):
        yield TimelineEntry(document.created_at, _("上传材料"), document.title, "document")
    if detention.released_at is not None:
        yield TimelineEntry(detention.released_at, _("出所"), "", "release")
