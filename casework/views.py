"""Pages that show several apps at once, assembled here above them (DESIGN.md §3): the home page and
each role's dashboard, the centre's worklist (with the open leads of disputes), a detention's page
(with its leads, its follow-ups and the timeline of every app), the release, which opens the
follow-ups (followups.services.release_detention), and the transfer, a step that moves the detention
and everything of disputes that follows it (disputes.services.transfer_detention).

Every page declares its rule with accounts.permissions; a detention of another centre is 404
(detainees.access). Full ID and phone numbers reach the browser only through the logged reveal.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import current_membership
from accounts.dashboards import DASHBOARD_CONTEXT
from accounts.models import Organization, Role
from accounts.permissions import can, requires, signed_in
from audit.models import AccessLog
from audit.services import record_access
from detainees import selectors
from detainees import services as detention_services
from detainees.access import get_detention_for_user
from detainees.forms import DocumentForm, ReleaseForm, SearchForm, TransferForm, WorklistFilterForm
from detainees.models import Detention, IntakeAssessment
from detainees.selectors import AssessmentState, WorklistCursor
from disputes import selectors as dispute_selectors
from disputes import services as dispute_services
from disputes.access import get_lead_for_user
from disputes.calendar import dashboard_sessions
from disputes.forms import OutcomeForm
from followups import selectors as followup_selectors
from followups import services as followup_services
from security.masking import mask_id_number, mask_phone
from yaoyao_mediation.calendar_days import days_until
from yaoyao_mediation.form_fields import add_service_errors

from . import deadlines as board
from . import selectors as casework_selectors
from .forms import DeadlineFilterForm

PAGE_SIZE = 50


# --- the home page and the dashboards ----------------------------------------------------------------


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request.user)
    if membership is None:
        return render(request, "accounts/no_membership.html", status=403)
    return redirect("casework:dashboard", role=membership.role)


@requires("view_dashboard")
def dashboard(request: HttpRequest, role: str) -> HttpResponse:
    """Each role's dashboard: first the role's queue (casework.selectors.dashboard_queues: what waits
    for this user), then what accounts shows of the team, partners or region, and what disputes shows
    of the sessions ahead. Every list is read here, so the template renders without a query."""
    if role not in Role.values:
        raise Http404
    membership = current_membership(request.user)
    if membership.role != role:
        raise PermissionDenied
    role = Role(role)
    context = {
        "role": role,
        "organization": membership.organization,
        "queues": casework_selectors.dashboard_queues(request.user, role, now=timezone.now()),
        **{name: _listed(value) for name, value in DASHBOARD_CONTEXT[role](membership).items()},
        **dashboard_sessions(request.user, role),
    }
    return render(request, "casework/dashboard.html", context)


def _listed(value):
    """A queryset read now, in the view, rather than while the template renders."""
    return list(value) if isinstance(value, QuerySet) else value


# --- the deadline board -------------------------------------------------------------------------------


@requires("view_deadlines")
@require_GET
def deadlines(request: HttpRequest) -> HttpResponse:
    """What is overdue and due soon, read from the due-time columns (so nothing hides while the sweeps
    are not running), and the breaches the sweeps recorded: an officer's own, a centre leader's whole
    centre, or for a supervisor counts per centre of the region (small counts suppressed)."""
    now = timezone.now()
    form = DeadlineFilterForm(request.GET)
    rules, state = form.chosen()
    membership = current_membership(request.user)
    context = {"form": form, "now": now, "organization": membership.organization}
    if can(request.user, "view_region"):
        centres = list(
            membership.organization.subtree().filter(kind=Organization.Kind.FACILITY, is_active=True).order_by("path")
        )
        states = [state] if state else [board.State.OVERDUE, board.State.DUE_SOON]
        state_labels = dict(form.fields["state"].choices)
        context.update(
            regional=True,
            columns=[f"{rule.label} · {state_labels[s]}" for rule in rules for s in states],
            table=board.region_counts(rules, now, centres=centres, states=states),
            suppress_below=board.SUPPRESS_BELOW,
        )
    else:
        # An officer sees the deadlines they are responsible for; a leader the whole centre's.
        officer_id = None if can(request.user, "view_centre_deadlines") else request.user.pk
        facility_id = membership.organization_id
        context.update(
            regional=False,
            rows=board.board_rows(rules, now, facility_id=facility_id, officer_id=officer_id, state=state),
            history=board.breach_history(rules, facility_id=facility_id, officer_id=officer_id),
            item_limit=board.ITEM_LIMIT,
        )
    return render(request, "casework/deadlines.html", context)


# --- the centre's worklist -------------------------------------------------------------------------


@requires("view_detentions")
@require_http_methods(["GET", "POST"])
def worklist(request: HttpRequest) -> HttpResponse:
    """GET: people in custody, with filters and a cursor in the query string (no personal data).
    POST: a search by name or document number, whose results are rendered in the response itself."""
    now = timezone.now()
    filter_form = WorklistFilterForm(request.GET)
    if request.method == "POST":
        search_form = SearchForm(request.POST)
        if search_form.is_valid():
            after = _cursor(search_form.cleaned_data["after"])
            rows = casework_selectors.search(request.user, search_form.cleaned_data["q"], after=after)
        else:
            rows = Detention.objects.none()
        page = _page(rows)
        context = {"searching": True, "search_form": search_form, "filter_form": WorklistFilterForm()}
    else:
        search_form = SearchForm()
        after = _cursor(request.GET.get("after"))
        rows = casework_selectors.worklist(request.user, now=now, filters=filter_form.filters(), after=after)
        page = _page(rows)
        query = request.GET.copy()
        query.pop("after", None)
        if "after" in request.GET:
            page["first_url"] = f"?{query.urlencode()}"
        if page["next_cursor"]:
            query["after"] = page["next_cursor"]
            page["next_url"] = f"?{query.urlencode()}"
        context = {"searching": False, "search_form": search_form, "filter_form": filter_form}
    _show_rows(page["rows"], now=now)
    context.update(
        page, now=now, high_risk_score=selectors.HIGH_RISK_SCORE, custody_clock_days=selectors.CUSTODY_CLOCK.days
    )
    response = render(request, "casework/worklist.html", context)
    if request.method == "POST":
        # The search box holds what was typed, perhaps a whole ID number: not for the browser's cache.
        add_never_cache_headers(response)
    return response


def _show_rows(rows: list[Detention], *, now: datetime) -> None:
    """Each row's state, custody clock and days to release (as before), and `row.shown`: every text the
    row shows, worked out here once, so that the template only places them. Per-row includes, date
    filters, translations and URL reversals made rendering ~60% of the request (docs/performance.md,
    P3); a dict, because the template engine tries a key before an attribute."""
    states = {
        AssessmentState.DONE: ("done", _("已完成")),
        AssessmentState.OVERDUE: ("overdue", _("已逾期")),
        AssessmentState.DUE_SOON: ("due-soon", _("即将到期")),
        AssessmentState.OPEN: ("open", _("待评估")),
    }
    # One reversal for the page's detail links: only the pk differs between them.
    marker = str(2**31 - 1)
    url_head, url_tail = reverse("casework:detention", args=[marker]).split(marker)
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    for row in rows:
        person = row.person
        row.state = selectors.assessment_state(row, now=now)
        release = row.scheduled_release_at.astimezone(zone)
        row.days_to_release = (release.date() - today).days  # days_until, with today worked out once
        row.clock_running = selectors.custody_clock_running(row, now=now)
        due = row.assessment_due_at.astimezone(zone)
        state_class, state_label = states[row.state]
        row.shown = {
            "state": row.state,
            "url": f"{url_head}{row.pk}{url_tail}",
            "name": row.name,
            "released": not row.is_in_custody,
            "id_number": mask_id_number(person.id_number) if person.id_number else person.get_id_type_display(),
            "phone": mask_phone(row.phone) or "—",
            "cell": row.cell or "—",
            "state_class": state_class,
            "state_label": state_label,
            "due_iso": "" if row.state == AssessmentState.DONE else due.isoformat(),
            "due": f"{due:%m-%d %H:%M}",
            "release_iso": release.isoformat(),
            "release": f"{release:%Y-%m-%d %H:%M}",
            "days": _days_to_release_text(row.days_to_release) if row.is_in_custody else "",
            "score": row.escalation_score,
            "high_risk": row.escalation_score >= selectors.HIGH_RISK_SCORE,
            "open_leads": row.open_leads or "—",
            "clock_running": row.clock_running,
            "officer": row.officer_name or "—",
        }


def _days_to_release_text(days: int) -> str:
    """What templates/detainees/_days_to_release.html says (the same messages), for a page that works it
    out in Python."""
    if days > 0:
        return _("还有 %(days)s 天") % {"days": days}
    if days == 0:
        return _("今天")
    return _("已过 %(n)s 天") % {"n": -days}


def _cursor(token: str | None) -> WorklistCursor | None:
    if not token:
        return None
    try:
        return WorklistCursor.decode(token)
    except ValueError as error:
        raise BadRequest("bad page cursor") from error


def _page(rows) -> dict:
    """One page of rows (fetched one beyond the page to learn whether there is a next one)."""
    rows = list(rows[: PAGE_SIZE + 1])
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_cursor = WorklistCursor(last.scheduled_release_at, last.pk).encode()
    return {"rows": rows, "next_cursor": next_cursor, "next_url": None, "first_url": None}


# --- one detention -----------------------------------------------------------------------------------


@requires("view_detentions")
@require_GET
def detention(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk)
    return render(request, "casework/detention.html", _detail_context(detention))


def _detail_context(detention: Detention, **extra) -> dict:
    now = timezone.now()
    assessment = IntakeAssessment.objects.filter(detention=detention).select_related("completed_by").first()
    return {
        "detention": detention,
        "person": detention.person,
        # What this centre recorded at this intake; another detention of the person is not read.
        "family_contacts": list(detention.family_contacts.all()),
        "assessment": assessment,
        "state": selectors.assessment_state(detention, now=now),
        "days_to_release": days_until(detention.scheduled_release_at, now=now),
        "timeline": casework_selectors.detention_timeline(detention),
        "health_checks": list(detention.health_checks.only("id", "checked_at", "conclusion")),
        "documents": list(detention.documents.select_related("uploaded_by")),
        "earlier": list(selectors.earlier_detentions(detention)),
        # The detention's dispute leads, oldest first, with just the columns the page shows.
        # The plan's state gives a lead in planning its status word (DisputeLead.status_word).
        "leads": list(
            detention.leads.select_related("plan")
            .order_by("pk")
            .only("pk", "detention", "category", "status", "created_at", "plan__status")
        ),
        # Only a released person is followed up (and can re-offend): no queries for one in custody.
        "followups": [] if detention.is_in_custody else followup_selectors.followups_of_detention(detention),
        "reoffence": None if detention.is_in_custody else followup_selectors.reoffence_of(detention),
        "document_form": DocumentForm(),
        "revealed": {},
        "now": now,
        **extra,
    }


REVEALABLE = {
    "id_number": AccessLog.Action.SHOW_FULL_ID_NUMBER,
    "phone": AccessLog.Action.SHOW_FULL_PHONE,
}


@requires("view_detentions")
@require_POST
@never_cache
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's full document or phone number, in this response only, and logged."""
    detention = get_detention_for_user(request.user, pk)
    field = request.POST.get("field", "id_number")
    if field not in REVEALABLE:
        raise BadRequest("unknown field")
    # The document number is the person's; the phone is the one this centre recorded on this detention.
    owner = detention.person if field == "id_number" else detention
    if getattr(owner, field):  # nothing to log when there is no number to show
        record_access(request, owner, REVEALABLE[field], reason=_("入所记录 #%(pk)s") % {"pk": pk})
    revealed = {field: True}
    if request.htmx:
        context = {"detention": detention, "person": detention.person, "revealed": revealed}
        return render(request, "detainees/_person_numbers.html", context)
    return render(request, "casework/detention.html", _detail_context(detention, revealed=revealed))


@requires("change_detention")
@require_POST
def upload_document(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            detention_services.add_document(
                detention,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("材料已上传"))
            return redirect(reverse("casework:detention", kwargs={"pk": detention.pk}) + "#documents")
    return render(request, "casework/detention.html", _detail_context(detention, document_form=form))


@requires("change_detention")
@require_http_methods(["GET", "POST"])
def release(request: HttpRequest, pk: int) -> HttpResponse:
    """The release, and the follow-ups of the person's resolved leads that it opens (one service)."""
    detention = get_detention_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if form.is_valid():
            try:
                followup_services.release_detention(
                    detention, released_at=form.cleaned_data["released_at"], acting_user=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已办理出所"))
                return redirect("casework:detention", pk=detention.pk)
    else:
        form = ReleaseForm(initial={"released_at": timezone.now().replace(second=0, microsecond=0)})
    return render(request, "casework/release.html", {"form": form, "detention": detention})


@requires("change_detention")
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = TransferForm(request.POST, detention=detention)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute_services.transfer_detention(
                    detention,
                    to_facility=data["to_facility"],
                    moved_at=data["moved_at"],
                    note=data["note"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # The detention now belongs to the other centre: this user no longer sees it.
                messages.success(
                    request,
                    _("%(name)s 已转至%(facility)s") % {"name": detention.name, "facility": data["to_facility"].name},
                )
                return redirect("casework:worklist")
    else:
        form = TransferForm(initial={"moved_at": timezone.now().replace(second=0, microsecond=0)}, detention=detention)
    return render(request, "casework/transfer.html", {"form": form, "detention": detention})


# --- a lead's outcome -------------------------------------------------------------------------------


@requires("change_lead")
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the lead with its outcome (a step of disputes and followups: followups.services.record_outcome
    opens the follow-up when the person has already left). Its sessions still to come are listed on the
    form and cancelled only once each is ticked (the service refuses otherwise, and the form shows them)."""
    lead = get_lead_for_user(request.user, pk, write=True)
    now = timezone.now()
    ahead = list(dispute_selectors.sessions_ahead(lead, now=now))
    if request.method == "POST":
        form = OutcomeForm(request.POST, sessions_ahead=ahead)
        if form.is_valid():
            try:
                followup_services.record_outcome(
                    lead,
                    status=form.cleaned_data["status"],
                    outcome=form.outcome_input(),
                    cancel_sessions=form.confirmed_cancellations(),
                    acting_user=request.user,
                    now=now,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("化解结果已记录，线索已结案"))
                return redirect("disputes:lead_detail", pk=lead.pk)
    elif lead.is_closed:
        messages.info(request, _("该线索已结案（%(status)s）") % {"status": lead.get_status_display()})
        return redirect("disputes:lead_detail", pk=lead.pk)
    else:
        form = OutcomeForm(initial={"court_case_number": lead.court_case_number}, sessions_ahead=ahead)
    return render(request, "disputes/outcome_form.html", {"form": form, "lead": lead, "sessions_ahead": ahead})
