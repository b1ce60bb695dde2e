"""Mediation sessions: booking one for a lead, the list of sessions, a session's page (for the centre,
for the court with the court's detention facts and no override, sealed for volunteers, court mediators
and agency staff: yaoyao_mediation.disclosure), marking it held (attendance, minutes, result) or
no-show, its cancellation, one more participant,
and the centre's room calendar (DESIGN.md §3, §5).

Every change is a POST to a service of disputes.services; a refused one comes back as a form error with
the input kept and nothing saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import current_membership, staff_facility_id
from accounts.models import User
from accounts.permissions import can, requires
from yaoyao_mediation.disclosure import detention_facts
from yaoyao_mediation.form_fields import add_service_errors

from . import services
from .access import can_change_session, get_lead_for_user, get_session_for_user
from .calendar import awaiting_result, build_calendar, upcoming_sessions
from .models import DisputeLead, MediationSession, SessionParticipant
from .selectors import is_sealed_viewer
from .session_forms import CalendarForm, CancelForm, NoShowForm, ParticipantForm, ResultForm, SessionForm

# --- booking ---------------------------------------------------------------------------------------


@requires("book_session")
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk, write=True)
    facility = lead.detention.facility
    is_leader = can(request.user, "override_booking", lead.facility_id)
    # Before a time is chosen, the warnings say what already stands in the way (a release, the health check).
    now = timezone.now()
    starts_at = ends_at = now
    if request.method == "POST":
        form = SessionForm(request.POST, facility=facility, is_leader=is_leader)
        if form.is_valid():
            data = form.cleaned_data
            starts_at, ends_at = data["starts_at"], data["ends_at"]
            try:
                session = services.schedule_session(
                    lead,
                    mode=data["mode"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    room=data["room"],
                    court=data["court"],
                    staff=form.staff_inputs(),
                    guests=form.guest_inputs(),
                    topic=data["topic"],
                    override_note=data.get("override_note", ""),
                    acting_user=request.user,
                    now=now,
                )
            except ValidationError as error:
                add_service_errors(form, error, SessionForm.ALIASES)
            else:
                messages.success(request, _("调解已安排"))
                return redirect("disputes:session_detail", pk=session.pk)
    else:
        initial = {"day": timezone.localdate(starts_at), "start_time": "09:00", "end_time": "10:00"}
        form = SessionForm(initial=initial, facility=facility, is_leader=is_leader)
    context = {
        "form": form,
        "lead": lead,
        "detention": lead.detention,
        "warnings": _override_labels(lead, starts_at, ends_at, now=now),
        "is_leader": is_leader,
    }
    return render(request, "disputes/session_form.html", context)


def _override_labels(lead: DisputeLead, starts_at, ends_at, *, now) -> list[str]:
    reasons = services.override_reasons_for(lead, starts_at=starts_at, ends_at=ends_at, now=now)
    return [str(services.OVERRIDE_LABELS[reason]) for reason in reasons]


# --- the list ----------------------------------------------------------------------------------------


@requires("view_sessions")
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """The centre's staff: its sessions from today on, and earlier ones still waiting for a result.
    Everyone else: the sessions they see (the court's, or those they were invited to)."""
    now = timezone.now()
    sealed = is_sealed_viewer(request.user)
    is_centre = can(request.user, "book_session")
    context = {
        "sessions": list(upcoming_sessions(request.user, now=now)),
        "awaiting": list(awaiting_result(request.user, now=now)) if is_centre else [],
        "sealed": sealed,
        "is_centre": is_centre,
        "now": now,
    }
    return render(request, "disputes/session_list.html", context)


# --- one session ---------------------------------------------------------------------------------------


@requires("view_sessions")
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    if is_sealed_viewer(request.user):
        return render(request, "disputes/session_sealed.html", {"view": sealed_view(session, request.user)})
    return _render_detail(request, session)


def _render_detail(request: HttpRequest, session: MediationSession, **forms) -> HttpResponse:
    """The full page, for the centre's staff (with its forms) and the court (read only).

    Both see the detention through disclosure.detention_facts, the court's whitelist, which is also its
    API's; only the centre sees the leader's override. The page is a fixed number of queries:
    `session` has passed the access check, and what the template reads is fetched here at once,
    never lazily while it renders."""
    session = (
        MediationSession.objects.select_related(
            "lead__detention", "lead__plan", "person", "room", "court", "facility", "override_by"
        )
        .prefetch_related(
            Prefetch("participants", SessionParticipant.objects.select_related("user", "organization")),
            "guests",
        )
        .get(pk=session.pk)
    )
    can_change = can_change_session(request.user, session)
    participants = list(session.participants.all())
    guests = list(session.guests.all())
    now = timezone.now()
    Status = MediationSession.Status
    scheduled = session.status == Status.SCHEDULED
    started = session.starts_at <= now
    # Once it has begun, a booked session is marked held (or its record corrected) or no-show.
    recordable = started and session.status in {Status.SCHEDULED, Status.HELD}
    override = None
    if session.override_reasons and can_change:
        # The centre's own record: its reasons and note speak of the release and the health check.
        override = {
            "labels": [str(services.OVERRIDE_LABELS.get(r, r)) for r in session.override_reasons],
            "by": session.override_by,
            "note": session.override_note,
        }
    context = {
        "session": session,
        "lead": session.lead,
        "detention": detention_facts(session.lead.detention),
        "participants": participants,
        "guests": guests,
        "override": override,
        "can_change": can_change,
        # After a transfer the lead belongs to the receiving centre: no link to a page that is 404 here.
        "lead_visible": staff_facility_id(request.user) == session.lead.detention.facility_id,
        # A refused form comes back with its errors, even where the page would not offer it now.
        "can_cancel": can_change and (scheduled or "cancel_form" in forms),
        "can_add": can_change and (scheduled or "participant_form" in forms),
        "can_record": can_change and (recordable or "result_form" in forms),
        "can_no_show": can_change and ((scheduled and started) or "no_show_form" in forms),
    }
    if context["can_add"]:
        context["participant_form"] = forms.get("participant_form") or ParticipantForm(
            facility=session.facility, exclude={p.user_id for p in participants}
        )
    if context["can_cancel"]:
        context["cancel_form"] = forms.get("cancel_form") or CancelForm()
    if context["can_record"]:
        present = [p for p in participants if p.active]
        context["result_form"] = forms.get("result_form") or ResultForm(
            initial=ResultForm.initial_of(session, present, guests), participants=present, guests=guests
        )
    if context["can_no_show"]:
        context["no_show_form"] = forms.get("no_show_form") or NoShowForm()
    return render(request, "disputes/session_detail.html", context)


@dataclass(frozen=True)
class SealedSession:
    """All that a sealed viewer's page receives (DESIGN.md §5): the logistics of the session, the
    person's name and the dispute. Nothing of the detention record is put in here."""

    pk: int
    starts_at: object
    ends_at: object
    status: str
    mode: str
    room: str
    court: str
    person_name: str
    category: str
    summary: str
    others: list[str]
    guests: list[str]
    own_declaration: str
    own_declared_at: object


def sealed_view(session: MediationSession, user: User) -> SealedSession:
    participants = list(session.participants.select_related("user").only("user", "conflict_declaration", "declared_at"))
    own = next((p for p in participants if p.user_id == user.pk), None)
    return SealedSession(
        pk=session.pk,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        status=session.get_status_display(),
        mode=session.get_mode_display(),
        room=session.room.name if session.room_id else "",
        court=session.court.name if session.court_id else "",
        person_name=session.person_name,
        category=session.lead.get_category_display(),
        summary=session.lead.summary,
        others=[str(p.user) for p in participants if p.user_id != user.pk],
        guests=list(session.guests.values_list("name", flat=True)),
        own_declaration=own.conflict_declaration if own else "",
        own_declared_at=own.declared_at if own else None,
    )


@requires("book_session")
@require_POST
def session_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the session held: who came, the minutes and the result (or correct them)."""
    session = get_session_for_user(request.user, pk, write=True)
    participants = list(session.participants.filter(active=True).select_related("user"))
    form = ResultForm(request.POST, participants=participants, guests=list(session.guests.all()))
    if form.is_valid():
        try:
            services.record_session_result(session, **form.result_data(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("调解结果已记录"))
            return redirect("disputes:session_detail", pk=session.pk)
    return _render_detail(request, session, result_form=form)


@requires("book_session")
@require_POST
def session_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the session no-show: it was due, and did not take place because someone did not come."""
    session = get_session_for_user(request.user, pk, write=True)
    form = NoShowForm(request.POST)
    if form.is_valid():
        try:
            services.record_no_show(session, note=form.cleaned_data["note"], acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已记为未到场"))
            return redirect("disputes:session_detail", pk=session.pk)
    return _render_detail(request, session, no_show_form=form)


@requires("book_session")
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, write=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_session(session, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("调解已取消，调解室和参加人员的时间已释放"))
            return redirect("disputes:session_detail", pk=session.pk)
    return _render_detail(request, session, cancel_form=form)


@requires("book_session")
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, write=True)
    present = set(session.participants.values_list("user_id", flat=True))
    form = ParticipantForm(request.POST, facility=session.facility, exclude=present)
    if form.is_valid():
        try:
            participant = services.add_participant(session, form.staff_input(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error, {"staff": "user"})
        else:
            messages.success(request, _("已添加参加人员：%(name)s") % {"name": participant.user})
            return redirect("disputes:session_detail", pk=session.pk)
    return _render_detail(request, session, participant_form=form)


# --- the room calendar ------------------------------------------------------------------------------------


@requires("view_rooms")
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    facility = current_membership(request.user).organization
    today = timezone.localdate()
    view, day = CalendarForm(request.GET).view_and_day(today=today)
    data = build_calendar(facility, view=view, day=day, today=today)
    return render(request, "disputes/calendar.html", {"calendar": data, "facility": facility})
