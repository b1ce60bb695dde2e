"""Officer pages of dispute leads (矛盾线索): the centre's list, a new lead for a detention, one lead with
everything about it, edits and parties, the one-person-one-plan and its review, and the outcome
(DESIGN.md §3). Sessions, agreements and the roster have their own modules (session_views.py,
agreement_views.py, roster_views.py).

Every page is for the officers and leaders of the lead's centre: other roles get 403, a lead of another
centre is 404 (disputes.access); approving a plan is for centre leaders only. Every change is a POST to
a service of disputes.services, then a redirect; a refusal of the service is shown on the form and
saves nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can, requires
from detainees.access import get_detention_for_user
from yaoyao_mediation.calendar_days import days_until
from yaoyao_mediation.form_fields import add_service_errors

from . import selectors, services
from .access import get_lead_for_user, get_party_for_user
from .forms import LeadCreateForm, LeadEditForm, LeadFilterForm, PartyForm, PlanForm, ReviewForm
from .models import Agreement, DisputeLead, LeadOutcome, PlanReview, ResolutionPlan

PAGE_SIZE = 50


# --- the centre's leads ------------------------------------------------------------------------------


@requires("view_leads")
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    """The centre's leads, newest first, with filters and a keyset cursor (the last id shown) in the
    query string: one query for the rows however many there are, and no COUNT(*)."""
    now = timezone.now()
    filter_form = LeadFilterForm(request.GET)
    rows = _filtered(selectors.leads_visible_to(request.user), request.user, filter_form.filters(), now=now)
    after = _cursor(request.GET.get("after"))
    if after is not None:
        rows = rows.filter(pk__lt=after)
    rows = list(rows.select_related("detention", "assigned_officer", "plan").order_by("-pk")[: PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("after", None)
    first_url = f"?{query.urlencode()}" if after is not None else None
    next_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        query["after"] = str(rows[-1].pk)
        next_url = f"?{query.urlencode()}"
    for lead in rows:
        detention = lead.detention
        lead.days_to_release = days_until(detention.scheduled_release_at, now=now)
        lead.clock_running = selectors.custody_clock_running(detention, 0 if lead.is_closed else 1, now=now)
    context = {
        "rows": rows,
        "filter_form": filter_form,
        "first_url": first_url,
        "next_url": next_url,
        "custody_clock_days": selectors.CUSTODY_CLOCK.days,
    }
    return render(request, "disputes/lead_list.html", context)


def _filtered(rows: QuerySet[DisputeLead], user, filters: dict, *, now) -> QuerySet[DisputeLead]:
    if filters["status"] == LeadFilterForm.OPEN:
        rows = rows.filter(closed_at__isnull=True)
    elif filters["status"] == LeadFilterForm.CLOSED:
        rows = rows.filter(closed_at__isnull=False)
    if filters["category"]:
        rows = rows.filter(category=filters["category"])
    if filters["mine"]:
        rows = rows.filter(assigned_officer=user)
    if filters["clock"]:
        # The same rule as selectors.custody_clock_running, in SQL, with `now` from Python.
        rows = rows.alias(release=selectors.release_moment()).filter(
            closed_at__isnull=True, release__lte=now + selectors.CUSTODY_CLOCK
        )
    return rows


def _cursor(token: str | None) -> int | None:
    if not token:
        return None
    if not (token.isascii() and token.isdigit()):  # "²" is a digit to isdigit, not to int
        raise BadRequest("bad page cursor")
    return int(token)


# --- a new lead ----------------------------------------------------------------------------------------


@requires("change_lead")
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest, detention_pk: int) -> HttpResponse:
    detention = get_detention_for_user(request.user, detention_pk, write=True)
    if request.method == "POST":
        form = LeadCreateForm(request.POST, facility=detention.facility)
        if form.is_valid():
            try:
                lead = services.open_lead(
                    detention, **form.lead_data(), parties=form.parties(), acting_user=request.user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("矛盾线索已登记"))
                return redirect("disputes:lead_detail", pk=lead.pk)
    else:
        form = LeadCreateForm(facility=detention.facility)
    return render(request, "disputes/lead_form.html", {"form": form, "detention": detention, "lead": None})


# --- one lead ------------------------------------------------------------------------------------------


@requires("view_leads")
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk)
    return render(request, "disputes/lead_detail.html", _detail_context(request, lead))


def _detail_context(request: HttpRequest, lead: DisputeLead, **extra) -> dict:
    """Everything the lead page shows, each relation fetched once (nothing is queried in the template)."""
    now = timezone.now()
    plan = (
        ResolutionPlan.objects.filter(lead=lead)
        .select_related("author", "decided_by")
        .prefetch_related("agencies_needed", Prefetch("reviews", PlanReview.objects.select_related("reviewer")))
        .first()
    )
    outcome = LeadOutcome.objects.filter(lead=lead).select_related("recorded_by").first()
    agreement = Agreement.objects.filter(lead=lead).first()
    detention = lead.detention
    may_review = can(request.user, "approve_plan", lead.facility_id)
    return {
        "lead": lead,
        "detention": detention,
        "person": detention.person,
        "days_to_release": days_until(detention.scheduled_release_at, now=now),
        "clock_running": selectors.custody_clock_running(detention, 0 if lead.is_closed else 1, now=now),
        "past_release": now >= (detention.released_at or detention.scheduled_release_at),
        "parties": list(lead.parties.all()),
        "plan": plan,
        "plan_methods": [ResolutionPlan.Method(method).label for method in plan.methods] if plan else [],
        "sessions": list(lead.sessions.select_related("room", "court")),
        "outcome": outcome,
        "agreement": agreement,
        "agreement_allowed": lead.status in {DisputeLead.Status.RESOLVED, DisputeLead.Status.PARTLY_RESOLVED},
        "transitions": list(lead.transitions.select_related("acting_user")),
        "can_review": may_review and plan is not None and plan.status == ResolutionPlan.Status.SUBMITTED,
        "can_schedule": plan is not None and plan.is_approved and not lead.is_closed,
        "party_form": PartyForm(),
        "custody_clock_days": selectors.CUSTODY_CLOCK.days,
        **extra,
    }


@requires("change_lead")
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk, write=True)
    facility = lead.detention.facility
    if request.method == "POST":
        form = LeadEditForm(request.POST, facility=facility)
        if form.is_valid():
            try:
                services.update_lead(lead, **form.lead_data(), acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("矛盾线索已更新"))
                return redirect("disputes:lead_detail", pk=lead.pk)
    else:
        form = LeadEditForm(initial=LeadEditForm.initial_of(lead), facility=facility)
    context = {"form": form, "detention": lead.detention, "lead": lead}
    return render(request, "disputes/lead_form.html", context)


@requires("change_lead")
@require_POST
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk, write=True)
    form = PartyForm(request.POST)
    if form.is_valid():
        try:
            services.add_party(lead, form.party(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("当事人已添加"))
            return redirect(reverse("disputes:lead_detail", kwargs={"pk": lead.pk}) + "#parties")
    return render(request, "disputes/lead_detail.html", _detail_context(request, lead, party_form=form))


@requires("change_lead")
@require_POST
def party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    party = get_party_for_user(request.user, pk, party_pk, write=True)
    lead = party.lead
    try:
        services.remove_party(party, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已删除当事人：%(name)s") % {"name": party.name})
    return redirect(reverse("disputes:lead_detail", kwargs={"pk": lead.pk}) + "#parties")


# --- one-person-one-plan ---------------------------------------------------------------------------------


@requires("change_lead")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_lead_for_user(request.user, pk, write=True)
    facility = lead.detention.facility
    plan = ResolutionPlan.objects.filter(lead=lead).prefetch_related("agencies_needed").first()
    if request.method == "POST":
        form = PlanForm(request.POST, facility=facility)
        submit = request.POST.get("action") != PlanForm.SAVE_DRAFT
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_plan(
                    lead,
                    analysis=data["analysis"],
                    strategy=data["strategy"],
                    methods=data["methods"],
                    agencies_needed=list(data["agencies_needed"]),
                    submit=submit,
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("方案已提交所领导审批") if submit else _("方案草稿已保存"))
                return redirect("disputes:lead_detail", pk=lead.pk)
    else:
        form = PlanForm(initial=PlanForm.initial_of(plan), facility=facility)
    return render(request, "disputes/plan_form.html", {"form": form, "lead": lead, "plan": plan})


@requires("view_leads", change="approve_plan")
@require_http_methods(["GET", "POST"])
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A centre leader approves the submitted plan or returns it with a comment. Another centre's lead
    is 404 for everyone; an officer of the lead's own centre sees it but may not decide (403)."""
    lead = get_lead_for_user(request.user, pk)
    if not can(request.user, "approve_plan", lead.facility_id):
        raise PermissionDenied
    plan = get_object_or_404(
        ResolutionPlan.objects.select_related("author").prefetch_related(
            "agencies_needed", Prefetch("reviews", PlanReview.objects.select_related("reviewer"))
        ),
        lead=lead,
    )
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.has_error("revision"):
            # A page from before the plan had revisions, or a tampered one: show the plan as it is now.
            messages.warning(request, _("请阅读当前方案后再审批"))
            return redirect("disputes:plan_review", pk=lead.pk)
        if form.is_valid():
            try:
                services.review_plan(
                    plan,
                    approve=form.approve,
                    comment=form.cleaned_data["comment"],
                    revision=form.cleaned_data["revision"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "stale":
                    # Show the plan as it is now; the decision must be made on that text.
                    messages.warning(request, error.messages[0])
                    return redirect("disputes:plan_review", pk=lead.pk)
                add_service_errors(form, error)
            else:
                messages.success(request, _("方案已批准") if form.approve else _("方案已退回"))
                return redirect("disputes:lead_detail", pk=lead.pk)
    else:
        form = ReviewForm(initial={"revision": plan.revision})
    context = {
        "form": form,
        "lead": lead,
        "plan": plan,
        "plan_methods": [ResolutionPlan.Method(method).label for method in plan.methods],
    }
    return render(request, "disputes/plan_review.html", context)


# --- outcome ---------------------------------------------------------------------------------------------
