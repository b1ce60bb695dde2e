"""Officer pages: new intake, the centre's worklist, a detention's detail with its timeline, edits,
release, transfer, the intake assessment, health checks and documents (DESIGN.md §3, §5).

Every page is for the officers and leaders of the detention's centre: other roles get 403, and a
detention of another centre is 404 (detainees.access). Full ID and phone numbers, health details and
documents reach the browser only through the logged views below (audit.services.record_access).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import current_membership, role_required
from accounts.models import CENTRE_ROLES
from audit.models import AccessLog
from audit.services import record_access
from security.masking import mask_id_number, mask_phone
from yaoyao_mediation.calendar_days import days_until
from yaoyao_mediation.form_fields import add_service_errors

from . import selectors, services
from .access import get_detention_for_user
from .forms import (
    AssessmentForm,
    DetentionEditForm,
    DocumentForm,
    IntakeForm,
    ReleaseForm,
    SearchForm,
    TransferForm,
    WorklistFilterForm,
)
from .models import Detention, IntakeAssessment
from .selectors import AssessmentState, WorklistCursor

centre_staff = role_required(*CENTRE_ROLES)

PAGE_SIZE = 50


# --- the centre's worklist -------------------------------------------------------------------------


@centre_staff
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
            rows = selectors.search(request.user, search_form.cleaned_data["q"], after=after)
        else:
            rows = Detention.objects.none()
        page = _page(rows)
        context = {"searching": True, "search_form": search_form, "filter_form": WorklistFilterForm()}
    else:
        search_form = SearchForm()
        after = _cursor(request.GET.get("after"))
        rows = selectors.worklist(request.user, now=now, filters=filter_form.filters(), after=after)
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
    response = render(request, "detainees/worklist.html", context)
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
    url_head, url_tail = reverse("detainees:detail", args=[marker]).split(marker)
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
            "name": person.name,
            "released": not row.is_in_custody,
            "id_number": mask_id_number(person.id_number) if person.id_number else person.get_id_type_display(),
            "phone": mask_phone(person.phone) or "—",
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
            "open_leads": row.open_leads or "—",  # None: no app counts leads (selectors.open_leads_count)
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


# --- new intake ------------------------------------------------------------------------------------


@centre_staff
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    facility = current_membership(request.user).organization
    if request.method == "POST":
        form = IntakeForm(request.POST, facility=facility)
        if form.is_valid():
            try:
                detention = services.record_intake(
                    form.person_input(), form.detention_input(facility), acting_user=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已登记入所：%(name)s") % {"name": detention.person.name})
                return redirect("detainees:detail", pk=detention.pk)
    else:
        initial = {"responsible_officer": request.user.pk}
        form = IntakeForm(initial=initial, facility=facility)
    return render(request, "detainees/intake.html", {"form": form, "facility": facility})


# --- one detention ---------------------------------------------------------------------------------


@centre_staff
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk)
    return render(request, "detainees/detail.html", _detail_context(detention))


def _detail_context(detention: Detention, **extra) -> dict:
    now = timezone.now()
    assessment = IntakeAssessment.objects.filter(detention=detention).select_related("completed_by").first()
    return {
        "detention": detention,
        "person": detention.person,
        "family_contacts": list(detention.person.family_contacts.all()),
        "assessment": assessment,
        "state": selectors.assessment_state(detention, now=now),
        "days_to_release": days_until(detention.scheduled_release_at, now=now),
        "timeline": selectors.detention_timeline(detention),
        "health_checks": list(detention.health_checks.only("id", "checked_at", "conclusion")),
        "documents": list(detention.documents.select_related("uploaded_by")),
        "earlier": list(selectors.earlier_detentions(detention)),
        # The detention's dispute leads (disputes.DisputeLead, through its reverse relation: detainees
        # does not import disputes), oldest first, with just the columns the page shows.
        "leads": list(detention.leads.order_by("pk").only("pk", "detention", "category", "status", "created_at")),
        "document_form": DocumentForm(),
        "revealed": {},
        "now": now,
        **extra,
    }


REVEALABLE = {
    "id_number": AccessLog.Action.SHOW_FULL_ID_NUMBER,
    "phone": AccessLog.Action.SHOW_FULL_PHONE,
}


@centre_staff
@require_POST
@never_cache
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's full document or phone number, in this response only, and logged."""
    detention = get_detention_for_user(request.user, pk)
    field = request.POST.get("field", "id_number")
    if field not in REVEALABLE:
        raise BadRequest("unknown field")
    if getattr(detention.person, field):  # nothing to log when there is no number to show
        record_access(request, detention.person, REVEALABLE[field], reason=_("入所记录 #%(pk)s") % {"pk": pk})
    revealed = {field: True}
    if request.htmx:
        context = {"detention": detention, "person": detention.person, "revealed": revealed}
        return render(request, "detainees/_person_numbers.html", context)
    return render(request, "detainees/detail.html", _detail_context(detention, revealed=revealed))


@centre_staff
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    initial = DetentionEditForm.initial_of(detention)
    if request.method == "POST":
        form = DetentionEditForm(request.POST, initial=initial, facility=detention.facility)
        if form.is_valid():
            try:
                services.update_detention(detention, changes=form.changes(), acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("入所记录已更新"))
                return redirect("detainees:detail", pk=detention.pk)
    else:
        form = DetentionEditForm(initial=initial, facility=detention.facility)
    return render(request, "detainees/edit.html", {"form": form, "detention": detention})


@centre_staff
@require_http_methods(["GET", "POST"])
def release(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if form.is_valid():
            try:
                services.release_detention(
                    detention, released_at=form.cleaned_data["released_at"], acting_user=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已办理出所"))
                return redirect("detainees:detail", pk=detention.pk)
    else:
        form = ReleaseForm(initial={"released_at": timezone.now().replace(second=0, microsecond=0)})
    return render(request, "detainees/release.html", {"form": form, "detention": detention})


@centre_staff
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = TransferForm(request.POST, detention=detention)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.transfer_detention(
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
                    _("%(name)s 已转至%(facility)s")
                    % {"name": detention.person.name, "facility": data["to_facility"].name},
                )
                return redirect("detainees:worklist")
    else:
        form = TransferForm(initial={"moved_at": timezone.now().replace(second=0, microsecond=0)}, detention=detention)
    return render(request, "detainees/transfer.html", {"form": form, "detention": detention})


@centre_staff
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    current = IntakeAssessment.objects.filter(detention=detention).first()
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.complete_assessment(detention, **form.cleaned_data, acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("入所评估已保存"))
                return redirect("detainees:detail", pk=detention.pk)
    else:
        form = AssessmentForm(initial=AssessmentForm.initial_of(current))
    now = timezone.now()
    context = {
        "form": form,
        "detention": detention,
        "current": current,
        "state": selectors.assessment_state(detention, now=now),
    }
    return render(request, "detainees/assessment.html", context)


@centre_staff
@require_GET
@never_cache
def health_checks(request: HttpRequest, pk: int) -> HttpResponse:
    """The health platform's findings, history and mental state: sensitive, so each opening is logged."""
    detention = get_detention_for_user(request.user, pk)
    checks = list(detention.health_checks.all())
    record_access(request, detention, AccessLog.Action.OPEN_HEALTH_CHECK)
    return render(request, "detainees/health_checks.html", {"detention": detention, "checks": checks})


@centre_staff
@require_POST
def upload_document(request: HttpRequest, pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, pk, write=True)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
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
            return redirect(reverse("detainees:detail", kwargs={"pk": detention.pk}) + "#documents")
    return render(request, "detainees/detail.html", _detail_context(detention, document_form=form))


@centre_staff
@require_GET
@never_cache
def download_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """The only way to a stored file: permission-checked, logged, and sent as an attachment that the
    browser must not sniff into something else."""
    detention = get_detention_for_user(request.user, pk)
    document = get_object_or_404(detention.documents, pk=document_pk)
    record_access(request, document, AccessLog.Action.DOWNLOAD_DOCUMENT)
    extension = services.DOCUMENT_EXTENSIONS.get(document.content_type, "bin")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.title}.{extension}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
