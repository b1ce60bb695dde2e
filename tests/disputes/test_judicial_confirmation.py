"""Judicial confirmation (司法确认): the centre asks a court to confirm an agreement; the court's staff
confirm it, or refuse it with reasons; one request at a time."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Organization, Role
from accounts.services import create_organization
from disputes import services
from disputes.models import DisputeLead, JudicialConfirmation
from notifications.models import InboxMessage
from tests.conftest import make_person
from tests.detainees.conftest import resident_id
from tests.disputes import test_agreement_pdf as shared

# Fixtures shared with test_agreement_pdf.py.
agreement = shared.agreement
pdf_storage = shared.pdf_storage
queued_renders = shared.queued_renders
resolved_lead = shared.resolved_lead
save = shared.save

Status = JudicialConfirmation.Status


def request_url(lead) -> str:
    return reverse("disputes:confirmation_request", kwargs={"pk": lead.pk})


def detail_url(confirmation) -> str:
    return reverse("disputes:confirmation_detail", kwargs={"pk": confirmation.pk})


LIST_URL = reverse("disputes:confirmation_list")


@pytest.fixture
def requested(agreement, officer_a, orgs) -> JudicialConfirmation:
    return services.request_judicial_confirmation(agreement, court=orgs.court, acting_user=officer_a)


@pytest.fixture
def cixi_court(orgs) -> Organization:
    return create_organization(
        name="慈溪市人民法院", kind=Organization.Kind.COURT, code="330282-FY", region_code="330282", parent=orgs.cixi
    )


@pytest.fixture
def cixi_judge(cixi_court):
    return make_person("cx_judge", "慈溪法官", cixi_court, Role.COURT_STAFF)


# --- asking -----------------------------------------------------------------------------------------


def test_an_officer_asks_the_court_and_its_staff_are_told(
    agreement, resolved_lead, officer_a, court_staff, orgs, client_for
):
    response = client_for(officer_a).post(request_url(resolved_lead), {"court": orgs.court.pk})

    confirmation = JudicialConfirmation.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(confirmation)
    assert (confirmation.agreement, confirmation.court, confirmation.status, confirmation.requested_by) == (
        agreement,
        orgs.court,
        Status.REQUESTED,
        officer_a,
    )
    assert InboxMessage.objects.filter(user=court_staff).exists()


def test_a_second_request_while_one_is_pending_is_refused(
    requested, agreement, resolved_lead, officer_a, orgs, client_for
):
    with pytest.raises(ValidationError, match="已申请司法确认"):
        services.request_judicial_confirmation(agreement, court=orgs.enforcement_bureau, acting_user=officer_a)

    response = client_for(officer_a).post(
        request_url(resolved_lead), {"court": orgs.enforcement_bureau.pk}, follow=True
    )

    assert "已申请司法确认（已申请）" in response.content.decode()
    assert JudicialConfirmation.objects.get().court == orgs.court


def test_only_a_court_of_the_centres_county_can_be_chosen(
    agreement, resolved_lead, officer_a, orgs, cixi_court, client_for
):
    client = client_for(officer_a)

    for org in (orgs.justice_bureau, cixi_court):
        response = client.post(request_url(resolved_lead), {"court": org.pk}, follow=True)
        assert "请选择受理司法确认的法院" in response.content.decode()
    with pytest.raises(ValidationError):
        services.request_judicial_confirmation(agreement, court=orgs.justice_bureau, acting_user=officer_a)
    assert not JudicialConfirmation.objects.exists()


def test_a_lead_without_an_agreement_cannot_be_sent(resolved_lead, officer_a, orgs, client_for):
    response = client_for(officer_a).post(request_url(resolved_lead), {"court": orgs.court.pk}, follow=True)

    assert "请先制作调解协议书" in response.content.decode()
    assert not JudicialConfirmation.objects.exists()


# --- deciding -----------------------------------------------------------------------------------------


def test_court_staff_confirm_the_agreement(requested, court_staff, client_for):
    client = client_for(court_staff)
    page = client.get(detail_url(requested))
    assert page.status_code == 200
    assert "一、赵建军于2026年4月30日前支付货款人民币三万元；" in page.content.decode()

    response = client.post(detail_url(requested), {"decision": "confirm", "note": ""})

    assert response.status_code == 302
    requested.refresh_from_db()
    assert (requested.status, requested.decided_by) == (Status.CONFIRMED, court_staff)
    assert requested.decided_at is not None


def test_a_refusal_needs_its_reasons(requested, court_staff, client_for):
    client = client_for(court_staff)

    response = client.post(detail_url(requested), {"decision": "refuse", "note": "  "})
    assert response.status_code == 200
    assert "不予确认时请写明理由" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED

    client.post(detail_url(requested), {"decision": "refuse", "note": "协议内容违反法律强制性规定"})
    requested.refresh_from_db()
    assert (requested.status, requested.court_note) == (Status.REFUSED, "协议内容违反法律强制性规定")


def test_a_decided_request_is_not_decided_again(requested, court_staff, client_for):
    services.decide_judicial_confirmation(requested, confirm=True, acting_user=court_staff)

    response = client_for(court_staff).post(detail_url(requested), {"decision": "refuse", "note": "改变主意"})

    assert "该申请已处理（已确认）" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == Status.CONFIRMED


def test_after_a_refusal_the_centre_may_ask_again(
    requested, agreement, resolved_lead, officer_a, court_staff, orgs, client_for
):
    services.decide_judicial_confirmation(requested, confirm=False, note="签字人不全", acting_user=court_staff)
    save(resolved_lead, officer_a, terms="一、补充签字后的条款。")  # the agreement may be changed again

    client_for(officer_a).post(request_url(resolved_lead), {"court": orgs.court.pk})

    # The refusal stays on record beside the new request.
    refused, again = JudicialConfirmation.objects.order_by("requested_at", "pk")
    assert (refused.pk, refused.status, refused.court_note) == (requested.pk, Status.REFUSED, "签字人不全")
    assert (again.status, again.agreement.revision) == (Status.REQUESTED, 2)
    assert again.agreement.judicial_confirmation == again


def test_a_court_that_refused_does_not_read_the_text_changed_afterwards(
    requested, resolved_lead, officer_a, court_staff, orgs, client_for, cixi_court
):
    services.decide_judicial_confirmation(requested, confirm=False, note="条款不明确", acting_user=court_staff)
    save(resolved_lead, officer_a, terms="一、修改后的条款：MARK-REVISION-2。")
    court = client_for(court_staff)

    page = court.get(detail_url(requested)).content.decode()

    assert "条款不明确" in page and "MARK-REVISION-2" not in page
    assert "修改后的协议书不再送本院查阅" in page
    assert court.get(reverse("disputes:agreement_pdf", kwargs={"pk": resolved_lead.pk})).status_code == 404
    # Asked again (of the same court), it reads the new text.
    client_for(officer_a).post(request_url(resolved_lead), {"court": orgs.court.pk})
    again = JudicialConfirmation.objects.exclude(pk=requested.pk).get()
    assert again.agreement_revision == 2
    assert "MARK-REVISION-2" in court.get(detail_url(again)).content.decode()


def test_the_database_keeps_one_open_request_per_agreement(requested, orgs, officer_a):
    """Two requests racing past the service's check: the partial unique constraint takes one."""
    with pytest.raises(IntegrityError), transaction.atomic():
        JudicialConfirmation.objects.create(
            agreement=requested.agreement, court=orgs.court, requested_by=officer_a, requested_at=requested.requested_at
        )
    services.decide_judicial_confirmation(
        requested,
        confirm=False,
        note="签字人不全",
        acting_user=make_person("yy_judge2", "王法官", orgs.court, Role.COURT_STAFF),
    )
    # A refused one does not count: the next request is taken.
    JudicialConfirmation.objects.create(
        agreement=requested.agreement, court=orgs.court, requested_by=officer_a, requested_at=requested.requested_at
    )


# --- who sees what ----------------------------------------------------------------------------------


def test_centre_staff_read_the_request_but_do_not_decide(requested, officer_a, leader_a, client_for):
    for user in (officer_a, leader_a):
        client = client_for(user)
        page = client.get(detail_url(requested))
        assert page.status_code == 200 and page.context["form"] is None
        assert client.post(detail_url(requested), {"decision": "confirm"}).status_code == 403
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED


def test_another_court_and_another_centre_get_404(requested, cixi_judge, officer_b, client_for):
    for user in (cixi_judge, officer_b):
        client = client_for(user)
        assert client.get(detail_url(requested)).status_code == 404
        assert client.post(detail_url(requested), {"decision": "confirm"}).status_code == 404
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED


def test_another_centre_cannot_ask_for_it(agreement, resolved_lead, officer_b, orgs, client_for):
    assert client_for(officer_b).post(request_url(resolved_lead), {"court": orgs.court.pk}).status_code == 404
    assert not JudicialConfirmation.objects.exists()


@pytest.mark.parametrize("persona", ["court_staff", "court_mediator", "volunteer", "lawyer", "supervisor"])
def test_only_centre_staff_ask(agreement, resolved_lead, orgs, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))

    assert client.post(request_url(resolved_lead), {"court": orgs.court.pk}).status_code == 403
    assert not JudicialConfirmation.objects.exists()


@pytest.mark.parametrize("persona", ["court_mediator", "justice_clerk", "volunteer", "supervisor", "security_admin"])
def test_other_roles_see_no_confirmations(requested, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(detail_url(requested)).status_code == 403


def test_asking_is_post_only(agreement, resolved_lead, officer_a, client_for):
    assert client_for(officer_a).get(request_url(resolved_lead)).status_code == 405


# --- the lists ------------------------------------------------------------------------------------------


def another_request(n: int, *, make_detention, make_lead, approve_plan, officer_a, court):
    lead = make_lead(detention=make_detention(id_number=resident_id(n), name=f"当事人{n}"))
    approve_plan(lead)
    services.move_lead(lead, DisputeLead.Status.MEDIATING, acting_user=officer_a)
    services.record_outcome(
        lead, status=DisputeLead.Status.RESOLVED, outcome=services.OutcomeInput(summary="和解"), acting_user=officer_a
    )
    saved = save(lead, officer_a, agreed_amount=Decimal("100"), paid_amount=None)
    return services.request_judicial_confirmation(saved, court=court, acting_user=officer_a)


def test_each_side_lists_its_own_requests(
    requested, officer_a, officer_b, court_staff, cixi_judge, orgs, client_for, make_detention, make_lead, approve_plan
):
    other = another_request(
        1,
        make_detention=make_detention,
        make_lead=make_lead,
        approve_plan=approve_plan,
        officer_a=officer_a,
        court=orgs.enforcement_bureau,
    )

    def listed(user) -> set[int]:
        return {c.pk for c in client_for(user).get(LIST_URL).context["page"]}

    assert listed(officer_a) == {requested.pk, other.pk}
    assert listed(court_staff) == {requested.pk}  # the enforcement bureau's request is not the court's
    assert listed(cixi_judge) == set()
    assert listed(officer_b) == set()

    pending = client_for(officer_a).get(LIST_URL, {"status": "confirmed"}).context["page"]
    assert list(pending) == []


@pytest.mark.parametrize("persona", ["officer_a", "court_staff"])
def test_the_list_takes_as_many_queries_for_three_requests_as_for_one(
    requested,
    persona,
    request,
    client_for,
    django_assert_num_queries,
    make_detention,
    make_lead,
    approve_plan,
    officer_a,
    orgs,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(request.getfixturevalue(persona))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST_URL).status_code == 200
        return len(captured)

    one = queries()
    for n in (2, 3):
        another_request(
            n,
            make_detention=make_detention,
            make_lead=make_lead,
            approve_plan=approve_plan,
            officer_a=officer_a,
            court=orgs.court,
        )
    assert len(client.get(LIST_URL).context["page"]) == 3
    with django_assert_num_queries(one):
        client.get(LIST_URL)


def test_the_migration_gives_a_refused_request_the_revision_it_was_made_for(
    requested, resolved_lead, officer_a, court_staff, orgs
):
    """Requests made before the column existed: a refused one gets the revision the agreement had when
    it was asked (from the audit trail), not a text changed after the refusal."""
    services.decide_judicial_confirmation(requested, confirm=False, note="条款不明确", acting_user=court_staff)
    save(resolved_lead, officer_a, terms="一、修改后的条款。")  # revision 2, after the refusal
    pending = services.request_judicial_confirmation(requested.agreement, court=orgs.court, acting_user=officer_a)
    JudicialConfirmation.objects.update(agreement_revision=1)  # what the column's default gave them
    migration = importlib.import_module("disputes.migrations.0006_fill_confirmation_agreement_revisions")

    migration.from_the_agreement(apps, None)

    requested.refresh_from_db()
    pending.refresh_from_db()
    assert (requested.agreement_revision, pending.agreement_revision) == (1, 2)
