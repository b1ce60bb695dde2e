"""Officer pages of detainees alone: new intake, edits, the intake assessment, health checks and
document downloads (DESIGN.md §3, §5). The worklist, a detention's page, the release and the transfer
show or touch other apps too and are casework's.

Every page is for the officers and leaders of the detention's centre: other roles get 403, and a
detention of another centre is 404 (detainees.access). Full ID and phone numbers, health details and
documents reach the browser only through the logged views below (audit.services.record_access).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import current_membership
from accounts.permissions import requires
from audit.models import AccessLog
from audit.services import record_access
from yaoyao_mediation.file_names import attachment_name
from yaoyao_mediation.form_fields import add_service_errors

from . import selectors, services
from .access import get_detention_for_user, get_document_for_user
from .forms import (
    AssessmentForm,
    DetentionEditForm,
    IntakeForm,
)
from .models import IntakeAssessment

# --- new intake ------------------------------------------------------------------------------------


@requires("record_intake")
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
                messages.success(request, _("已登记入所：%(name)s") % {"name": detention.name})
                return redirect("casework:detention", pk=detention.pk)
    else:
        initial = {"responsible_officer": request.user.pk}
        form = IntakeForm(initial=initial, facility=facility)
    return render(request, "detainees/intake.html", {"form": form, "facility": facility})


# --- one detention ---------------------------------------------------------------------------------


@requires("change_detention")
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
                return redirect("casework:detention", pk=detention.pk)
    else:
        form = DetentionEditForm(initial=initial, facility=detention.facility)
    return render(request, "detainees/edit.html", {"form": form, "detention": detention})


@requires("change_detention")
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
                return redirect("casework:detention", pk=detention.pk)
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


@requires("view_detentions")
@require_GET
@never_cache
def health_checks(request: HttpRequest, pk: int) -> HttpResponse:
    """The health platform's findings, history and mental state: sensitive, so each opening is logged."""
    detention = get_detention_for_user(request.user, pk)
    checks = list(detention.health_checks.all())
    record_access(request, detention, AccessLog.Action.OPEN_HEALTH_CHECK)
    return render(request, "detainees/health_checks.html", {"detention": detention, "checks": checks})


@requires("view_detentions")
@require_GET
@never_cache
def download_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """The only way to a stored file: permission-checked, logged, and sent as an attachment that the
    browser must not sniff into something else."""
    document = get_document_for_user(request.user, pk, document_pk)
    record_access(request, document, AccessLog.Action.DOWNLOAD_DOCUMENT)
    extension = services.DOCUMENT_EXTENSIONS.get(document.content_type, "bin")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=attachment_name(document.title, extension),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
