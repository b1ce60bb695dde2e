"""The mediation agreement (调解协议书): its edit page, its PDF (rendered by a worker, downloaded through a
permission-checked and logged view) and the judicial confirmation (司法确认) asked of a court.

Who may do what (DESIGN.md §5), deny by default:
- officers and leaders of the lead's centre write the agreement, download it and ask a court to confirm
  it; a lead of another centre is 404;
- court staff of the court asked to confirm an agreement read it, download it and decide; another
  court's request is 404, and they change nothing of the agreement;
- every other role is refused (403).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organization
from accounts.permissions import can, requires
from audit.models import AccessLog
from audit.services import record_access
from yaoyao_mediation.file_names import without_controls
from yaoyao_mediation.form_fields import add_service_errors

from . import services
from .access import get_agreement_for_user, get_confirmation_for_user, get_lead_for_user
from .agreement_forms import (
    SIGNATORY_ROLES,
    AgreementForm,
    ConfirmationDecisionForm,
    ConfirmationRequestForm,
    SignatoryFormSet,
)
from .models import Agreement, DisputeLead, JudicialConfirmation, LeadParty
from .selectors import confirmations_visible_to
from .tasks import render_agreement_pdf

logger = logging.getLogger(__name__)


RESOLVED = {DisputeLead.Status.RESOLVED, DisputeLead.Status.PARTLY_RESOLVED}
CONFIRMATIONS_PER_PAGE = 50


def _courts_for(lead: DisputeLead) -> QuerySet[Organization]:
    """The courts that may confirm the agreement: those of the centre's county, where the mediation
    took place (人民调解法 art. 33: the basic court where the mediation organization sits)."""
    county = lead.detention.facility.county()
    if county is None:
        return Organization.objects.none()
    return county.subtree().filter(kind__in=services.COURT_KINDS, is_active=True).order_by("path")


# --- the agreement --------------------------------------------------------------------------------


def _initial_signatories(lead: DisputeLead, agreement: Agreement | None, user) -> list[dict]:
    if agreement is not None:
        return [{"role": s.role, "name": s.name} for s in agreement.signatories.all()]
    rows = [{"role": _("甲方"), "name": lead.detention.name}]
    for party in lead.parties.all():
        role = _("甲方") if party.side == LeadParty.Side.PARTY else _("乙方")
        rows.append({"role": role, "name": party.name})
    officer = lead.assigned_officer or user
    rows.append({"role": _("调解员"), "name": str(officer)})
    return rows


def _initial_agreement(lead: DisputeLead, agreement: Agreement | None) -> dict:
    if agreement is not None:
        return {
            "facts": agreement.facts,
            "terms": agreement.terms,
            "agreed_amount": agreement.agreed_amount,
            "paid_amount": agreement.paid_amount,
            "signed_on": agreement.signed_on,
        }
    outcome = getattr(lead, "outcome", None)
    return {
        "facts": lead.summary,
        "agreed_amount": outcome.agreed_amount if outcome else None,
        "paid_amount": outcome.paid_amount if outcome else None,
        "signed_on": timezone.localdate(),
    }


@requires("change_lead")
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write or change the agreement of a resolved lead; every saved change makes a new revision whose
    PDF a worker renders."""
    lead = get_lead_for_user(request.user, pk, write=True)
    agreement = Agreement.objects.filter(lead=lead).first()
    confirmation = agreement.judicial_confirmation if agreement else None
    # Agreement.is_frozen: a court examines the text, or has confirmed it.
    frozen = agreement is not None and agreement.is_frozen
    refusal = ""
    if lead.status not in RESOLVED:
        refusal = _("只有已化解或部分化解的线索可以制作调解协议书")
    elif frozen:
        refusal = _("该协议书已申请司法确认（%(status)s），不能再修改") % {"status": confirmation.get_status_display()}

    if request.method == "POST":
        form = AgreementForm(request.POST)
        formset = SignatoryFormSet(request.POST, prefix="signatories")
        if refusal:
            form.is_valid()
            form.add_error(None, refusal)
        elif form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            signatories = [
                services.SignatoryInput(role=row.get("role", ""), name=row.get("name", ""))
                for row in formset.cleaned_data
                if row.get("name", "").strip()
            ]
            try:
                saved = services.save_agreement(
                    lead,
                    facts=data["facts"],
                    terms=data["terms"],
                    signed_on=data["signed_on"],
                    signatories=signatories,
                    agreed_amount=data["agreed_amount"],
                    paid_amount=data["paid_amount"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("调解协议书已保存（第 %(revision)s 版），正在生成 PDF") % {"revision": saved.revision}
                )
                return redirect("disputes:agreement_edit", pk=lead.pk)
    else:
        form = AgreementForm(initial=_initial_agreement(lead, agreement))
        formset = SignatoryFormSet(initial=_initial_signatories(lead, agreement, request.user), prefix="signatories")

    can_request = agreement is not None and not frozen
    return render(
        request,
        "disputes/agreement_edit.html",
        {
            "lead": lead,
            "agreement": agreement,
            "confirmation": confirmation,
            "refusal": refusal,
            "form": form,
            "formset": formset,
            "roles": SIGNATORY_ROLES,
            "request_form": ConfirmationRequestForm(courts=_courts_for(lead)) if can_request else None,
        },
    )


# --- its PDF --------------------------------------------------------------------------------------


def _queue_render(agreement: Agreement) -> bool:
    """Ask a worker for the current revision's PDF; False when the broker cannot be reached (the page
    says so; nothing is lost, the next visit asks again)."""
    try:
        render_agreement_pdf.delay(agreement.pk)
    except Exception as error:  # the broker is down
        logger.warning("could not queue the PDF of agreement %s: %s", agreement.pk, error)
        return False
    return True


def _open_current_pdf(agreement: Agreement):
    if not agreement.pdf_is_current:
        return None
    try:
        return agreement.pdf.open("rb")
    except FileNotFoundError:  # recorded but gone: render again
        return None


@requires("read_agreements")
@require_GET
@never_cache
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of the agreement's current revision as a download, logged before it is sent; while it is
    not ready yet, a page that waits for the worker."""
    agreement = get_agreement_for_user(request.user, pk)
    stored = _open_current_pdf(agreement)
    if stored is None:
        queued = _queue_render(agreement)
        return render(
            request,
            "disputes/agreement_pdf_pending.html",
            {"agreement": agreement, "lead_pk": pk, "ready": False, "queued": queued},
        )
    try:
        record_access(request, agreement, AccessLog.Action.DOWNLOAD_AGREEMENT)
    except BaseException:
        stored.close()  # no trace, no file
        raise
    response = FileResponse(
        stored,
        as_attachment=True,
        # The number is the system's, but a download's name is made one way (file_names).
        filename=without_controls(_("调解协议书-%(number)s.pdf") % {"number": agreement.number}),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires("read_agreements")
@require_GET
@never_cache
def agreement_pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Whether the PDF is ready: the partial that htmx polls every two seconds from the waiting page;
    without htmx, the waiting page itself (it refreshes here, never to the download, which would
    download again at every refresh)."""
    agreement = get_agreement_for_user(request.user, pk)
    template = "disputes/_agreement_pdf_status.html" if request.htmx else "disputes/agreement_pdf_pending.html"
    return render(
        request, template, {"agreement": agreement, "lead_pk": pk, "ready": agreement.pdf_is_current, "queued": True}
    )


# --- judicial confirmation ------------------------------------------------------------------------


@requires("request_confirmation")
@require_POST
def confirmation_request(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk, write=True)
    agreement = Agreement.objects.filter(lead=lead).first()
    if agreement is None:
        messages.error(request, _("请先制作调解协议书"))
        return redirect("disputes:agreement_edit", pk=lead.pk)
    form = ConfirmationRequestForm(request.POST, courts=_courts_for(lead))
    if not form.is_valid():
        messages.error(request, _("请选择受理司法确认的法院"))
        return redirect("disputes:agreement_edit", pk=lead.pk)
    try:
        confirmation = services.request_judicial_confirmation(
            agreement, court=form.cleaned_data["court"], acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("disputes:agreement_edit", pk=lead.pk)
    messages.success(request, _("已向%(court)s申请司法确认") % {"court": confirmation.court.name})
    return redirect("disputes:confirmation_detail", pk=confirmation.pk)


@requires("read_agreements")
@require_GET
def confirmation_list(request: HttpRequest) -> HttpResponse:
    """Court staff: the requests addressed to their court. Centre staff: their centre's requests."""
    confirmations = confirmations_visible_to(request.user).order_by("-requested_at", "-pk")
    status = request.GET.get("status", "")
    if status in JudicialConfirmation.Status.values:
        confirmations = confirmations.filter(status=status)
    # The paginator costs a COUNT; the rows are read here, in one query, not while the template renders.
    page = Paginator(confirmations, CONFIRMATIONS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    link = f"?status={quote(status)}&page="
    return render(
        request,
        "disputes/confirmation_list.html",
        {
            "page": page,
            "previous_url": f"{link}{page.previous_page_number()}" if page.has_previous() else None,
            "next_url": f"{link}{page.next_page_number()}" if page.has_next() else None,
            "status": status,
            "statuses": JudicialConfirmation.Status.choices,
        },
    )


@requires("read_agreements")
@require_http_methods(["GET", "POST"])
def confirmation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone who sees the request reads it; the court's staff decide it (POST)."""
    confirmation = get_confirmation_for_user(request.user, pk, write=request.method == "POST")
    is_court = can(request.user, "decide_confirmation", confirmation.court_id)
    form = None
    if request.method == "POST":
        form = ConfirmationDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide_judicial_confirmation(
                    confirmation,
                    confirm=form.cleaned_data["decision"] == ConfirmationDecisionForm.CONFIRM,
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("审查结果已保存"))
                return redirect("disputes:confirmation_detail", pk=confirmation.pk)
    elif is_court and confirmation.status == JudicialConfirmation.Status.REQUESTED:
        form = ConfirmationDecisionForm()
    agreement = confirmation.agreement
    # A court reads the agreement only as it was sent to it (it may have been changed after a refusal).
    show_agreement = not is_court or confirmation.agreement_revision == agreement.revision
    return render(
        request,
        "disputes/confirmation_detail.html",
        {
            "confirmation": confirmation,
            "agreement": agreement,
            "signatories": list(agreement.signatories.order_by("pk")) if show_agreement else [],
            "show_agreement": show_agreement,
            "form": form,
            "is_court": is_court,
        },
    )
