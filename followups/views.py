"""Officer pages of the follow-up after release: the centre's list (what is due first), one follow-up
with its leads, evaluation, scheduled and recorded visits, and the forms to evaluate, record a visit,
close it and record or correct a re-offence (DESIGN.md §3).

For the officers and leaders of the centre that released the person: other roles get 403, another
centre's follow-up is 404 (followups.access). Every change is a POST to followups.services, then a
redirect; a refusal is shown on the form and saves nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import requires
from audit.models import AccessLog
from audit.services import record_access
from detainees.services import DOCUMENT_EXTENSIONS
from disputes.models import DisputeLead
from yaoyao_mediation.form_fields import add_service_errors

from . import selectors, services
from .access import get_evidence_for_user, get_followup_for_user, get_release_for_user
from .forms import CloseForm, EvaluationForm, FilterForm, ReoffenceForm, VisitForm
from .models import FollowUp, Visit

PAGE_SIZE = 50


@requires("view_followups")
@require_GET
def followup_list(request: HttpRequest) -> HttpResponse:
    """The centre's follow-ups, overdue and due soon first; pages of PAGE_SIZE by offset (a centre has
    hundreds a year, not millions), one row beyond the page to know whether there is a next one."""
    now = timezone.now()
    filter_form = FilterForm(request.GET)
    page_token = request.GET.get("page", "1")
    if not page_token.isdigit() or int(page_token) < 1:
        raise BadRequest("bad page")
    page = int(page_token)
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        selectors.followup_list(request.user, status=filter_form.status_value())[offset : offset + PAGE_SIZE + 1]
    )
    query = request.GET.copy()
    next_url = previous_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        query["page"] = str(page + 1)
        next_url = f"?{query.urlencode()}"
    if page > 1:
        query["page"] = str(page - 1)
        previous_url = f"?{query.urlencode()}"
    for row in rows:
        row.due_state = selectors.due_state(row.next_due_at, now=now)
    context = {"rows": rows, "filter_form": filter_form, "next_url": next_url, "previous_url": previous_url}
    return render(request, "followups/list.html", context)


@requires("view_followups")
@require_GET
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_followup_for_user(request.user, pk)
    return render(request, "followups/detail.html", _detail_context(followup))


def _detail_context(followup: FollowUp, **extra) -> dict:
    now = timezone.now()
    evaluation = getattr(followup, "evaluation", None)  # a reverse one-to-one: absent until recorded
    return {
        "followup": followup,
        "detention": followup.detention,
        "leads": list(
            DisputeLead.objects.filter(followup_link__followup=followup).select_related("outcome").order_by("pk")
        ),
        "evaluation": evaluation,
        "evaluation_state": selectors.due_state(followup.evaluation_due_at, now=now)
        if followup.status == FollowUp.Status.OPEN
        else "",
        "scheduled": [
            (visit, selectors.due_state(visit.due_at, now=now) if visit.status == visit.Status.PENDING else "")
            for visit in followup.scheduled_visits.all()
        ],
        "visits": list(Visit.objects.filter(followup=followup).select_related("officer").prefetch_related("evidence")),
        "reoffence": selectors.reoffence_of(followup.detention),
        **extra,
    }


@requires("record_followup")
@require_http_methods(["GET", "POST"])
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_followup_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = EvaluationForm(request.POST)
        if form.is_valid():
            try:
                services.record_evaluation(followup, **form.cleaned_data, acting_user=request.user)
            except ValidationError as error:
                if getattr(error, "code", None) == "already_evaluated":
                    messages.info(request, error.messages[0])
                    return redirect("followups:detail", pk=followup.pk)
                add_service_errors(form, error)
            else:
                messages.success(request, _("成效评估已记录"))
                return redirect("followups:detail", pk=followup.pk)
    elif followup.status != FollowUp.Status.OPEN:
        messages.info(request, _("该跟踪回访已完成成效评估，不能重复记录"))
        return redirect("followups:detail", pk=followup.pk)
    else:
        form = EvaluationForm(initial={"evaluated_at": timezone.now().replace(second=0, microsecond=0)})
    return render(request, "followups/evaluation_form.html", {"form": form, "followup": followup})


@requires("record_followup")
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_followup_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, facility=followup.facility)
        if form.is_valid():
            try:
                services.record_visit(followup, **form.cleaned_data, acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("回访已记录"))
                return redirect("followups:detail", pk=followup.pk)
    else:
        initial = {"visited_at": timezone.now().replace(second=0, microsecond=0)}
        form = VisitForm(initial=initial, facility=followup.facility)
    return render(request, "followups/visit_form.html", {"form": form, "followup": followup})


@requires("record_followup")
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = get_followup_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                services.close_followup(followup, **form.cleaned_data, acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("跟踪回访已结束"))
                return redirect("followups:detail", pk=followup.pk)
    else:
        form = CloseForm(initial={"reason": FollowUp.CloseReason.SETTLED})
    return render(request, "followups/close_form.html", {"form": form, "followup": followup})


@requires("view_followups")
@require_GET
@never_cache
def download_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """The only way to a stored evidence file: permission-checked, logged, an attachment not sniffed."""
    evidence = get_evidence_for_user(request.user, pk, evidence_pk)
    record_access(request, evidence, AccessLog.Action.DOWNLOAD_DOCUMENT)
    extension = DOCUMENT_EXTENSIONS.get(evidence.content_type, "bin")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=f"visit-{evidence.visit_id}-{evidence.pk}.{extension}",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires("record_followup")
@require_http_methods(["GET", "POST"])
def reoffence(request: HttpRequest, detention_pk: int) -> HttpResponse:
    """Record a re-offence after this release by hand, or correct (or retract) the one recorded."""
    release = get_release_for_user(request.user, detention_pk, write=True)
    current = selectors.reoffence_of(release)
    if request.method == "POST":
        form = ReoffenceForm(request.POST)
        if form.is_valid():
            try:
                services.save_reoffence(release, **form.cleaned_data, acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("重新违法犯罪记录已保存"))
                return redirect("casework:detention", pk=release.pk)
    elif current is not None:
        form = ReoffenceForm(initial={"occurred_on": current.occurred_on, "description": current.description})
    else:
        form = ReoffenceForm()
    return render(request, "followups/reoffence_form.html", {"form": form, "detention": release, "current": current})
